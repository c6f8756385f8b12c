// The boxes around the faces the server found, drawn over the camera preview.
import { FRAME_HEIGHT, FRAME_WIDTH } from "./frames.js";

export function createOverlay(canvas) {
  function clear() {
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  }

  function draw(message) {
    // The overlay has the frame's own coordinates; CSS stretches it over the video like the frame.
    canvas.width = message.width || FRAME_WIDTH;
    canvas.height = message.height || FRAME_HEIGHT;
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    for (const face of message.faces || []) {
      const [x, y, w, h] = face.box;
      context.lineWidth = 3;
      context.strokeStyle = face.primary ? "#6d4aff" : "#ffffffaa";
      context.strokeRect(x, y, w, h);
    }
  }

  return { draw, clear };
}
