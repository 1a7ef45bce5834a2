// The live picture for slides: Save picture (a PNG at twice the resolution on screen, the setup's link printed
// small under it) and Record (a WebM clip of the canvas while it trains, by the browser's own MediaRecorder).

const SAVE_SCALE = 2;  // the PNG's pixels per CSS pixel of the picture on screen
const LINK_STRIP = 16;  // CSS px under the picture, for the link
const WEBM_TYPES = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"];

// The buttons, added to the tools row: Save picture, and Record / Stop recording. picture() gives what to paint:
// {width, height} of the picture in CSS px, paintOn(ctx), which paints it in those units, and link (the query).
export function captureView(tools, canvas, picture) {
  const save = button("Save picture"), record = button("Record");
  save.addEventListener("click", async () => {
    const shown = picture();
    download(await pictureBlob(shown, linkText(shown.link)), fileName("png"));
  });
  let recording = null;
  record.addEventListener("click", async () => {
    if (!recording) {
      recording = startRecording(canvas);
      record.textContent = "Stop recording";
      return;
    }
    const stop = recording.stop;
    recording = null;
    record.textContent = "Record";
    download(await stop(), fileName("webm"));
  });
  tools.append(save, record);
  // a cleanup ends a recording under way (the clip is dropped) and the button says Record again
  return {
    stop: () => {
      if (!recording) return;
      recording.stop();
      recording = null;
      record.textContent = "Record";
    },
  };
}

export function button(text) {
  const b = document.createElement("button");
  b.type = "button"; b.className = "nnpg-button"; b.textContent = text;
  return b;
}

// The setup's short link: this page's address and the query the server made (scene.link: only the settings that
// differ from where the link starts). Drawn as plain text on the canvas, never parsed.
const linkText = (query) => `${window.location.host}${window.location.pathname}${query ? `?${query}` : ""}`;
const fileName = (ext) => `neural-network-playground-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}.${ext}`;

// The picture painted again at SAVE_SCALE, on white, with the link under it: a PNG blob.
export function pictureBlob({ width, height, paintOn }, link) {
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(width * SAVE_SCALE);
  canvas.height = Math.round((height + LINK_STRIP) * SAVE_SCALE);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(SAVE_SCALE, 0, 0, SAVE_SCALE, 0, 0);
  paintOn(ctx);
  ctx.setTransform(SAVE_SCALE, 0, 0, SAVE_SCALE, 0, 0);
  ctx.font = "10px Helvetica, Arial, sans-serif"; ctx.fillStyle = "#555";
  ctx.textAlign = "left"; ctx.textBaseline = "middle";
  ctx.fillText(clip(ctx, link, width - 16), 8, height + LINK_STRIP / 2);
  ctx.globalCompositeOperation = "destination-over";  // white behind everything: opaque, as on the page
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, width, height + LINK_STRIP);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

function clip(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let n = text.length;
  while (n > 1 && ctx.measureText(`${text.slice(0, n)}…`).width > width) n -= 1;
  return `${text.slice(0, n)}…`;
}

// Records the canvas's frames (a new one each time it is painted) until stop(), which gives the WebM blob.
function startRecording(canvas) {
  const mimeType = WEBM_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
  const recorder = new MediaRecorder(canvas.captureStream(30), mimeType ? { mimeType } : {});
  const chunks = [];
  recorder.addEventListener("dataavailable", (e) => { if (e.data.size) chunks.push(e.data); });
  recorder.start(250);  // a chunk every 250 ms: a long clip never waits in one buffer
  const stopped = new Promise((resolve) => recorder.addEventListener("stop", resolve));
  return {
    stop: async () => {
      if (recorder.state !== "inactive") recorder.stop();
      await stopped;
      recorder.stream.getTracks().forEach((track) => track.stop());
      return new Blob(chunks, { type: "video/webm" });
    },
  };
}

export function download(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob); a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}
