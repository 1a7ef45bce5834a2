// Reads a snapshot batch: the byte layout declared in playground/batch.py (the one place it is defined).

const MAGIC = "NNPG", VERSION = 1, HEADER_BYTES = 32;

// bytes (Uint8Array or ArrayBuffer) -> {meta, n, nParams, stats, params, points, curve}:
// stats an array of n objects, each snapshot's figures by the names the batch gives (meta.stats_names: epoch,
// train_loss, test_loss, train_accuracy, test_accuracy; NaN where there is none),
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
  const names = meta.stats_names;
  if (!Array.isArray(names)) throw new Error("a batch's meta names its stats (stats_names)");
  const rows = take(Float64Array, n * names.length), params = take(Float32Array, n * nParams);
  const stats = Array.from({ length: n },
    (_, k) => Object.fromEntries(names.map((name, j) => [name, rows[k * names.length + j]])));
  const points = take(Float32Array, nPoints * 3), curve = take(Float64Array, nCurve * 3);
  return { meta, n, nParams, stats, params, points: nPoints ? points : null, curve: nCurve ? curve : null };
}
