// Reads a snapshot batch: the byte layout declared in nn_core/snapshots.py (the one place it is defined).

const MAGIC = "NNPG", VERSION = 1, HEADER_BYTES = 32, STATS = 5;

// bytes (Uint8Array or ArrayBuffer) -> {meta, n, nParams, stats, params, points, curve}:
// stats Float64Array (n * 5: epoch, train loss, test loss, train accuracy, test accuracy),
// params Float32Array (n * nParams), points Float32Array (m * 3) or null, curve Float64Array (c * 3) or null.
export function decodeBatch(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const buf = u8.slice().buffer;  // a copy that starts at offset 0: typed views need aligned offsets
  const head = new DataView(buf, 0, HEADER_BYTES);
  const magic = String.fromCharCode(...u8.subarray(0, 4));
  const u32 = (k) => head.getUint32(4 + 4 * k, true);
  if (magic !== MAGIC || u32(0) !== VERSION) throw new Error("not a version 1 snapshot batch");
  const [metaBytes, n, nParams, nPoints, nCurve] = [u32(1), u32(2), u32(3), u32(4), u32(5)];
  let pos = HEADER_BYTES;
  const meta = JSON.parse(new TextDecoder().decode(u8.subarray(pos, pos + metaBytes)));
  pos += metaBytes;
  const take = (Type, count) => {
    const view = new Type(buf, pos, count);
    pos += Math.ceil((count * Type.BYTES_PER_ELEMENT) / 8) * 8;
    return view;
  };
  const stats = take(Float64Array, n * STATS), params = take(Float32Array, n * nParams);
  const points = take(Float32Array, nPoints * 3), curve = take(Float64Array, nCurve * 3);
  return { meta, n, nParams, stats, params, points: nPoints ? points : null, curve: nCurve ? curve : null };
}
