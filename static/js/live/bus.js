// The seam between the live page's parts: a tiny event emitter. Each module says what happened
// ("camera:stopped", "mood:changed", "recommendations:ready", …) and listens for what it needs,
// so a new feature (a "Save as playlist" button, say) is one more listener, not an edit to
// every module. main.js lists every event and who sends it.
export function createBus() {
  const handlers = new Map();
  return {
    /** Calls handler(detail) on every emit(type); returns a function that stops it. */
    on(type, handler) {
      if (!handlers.has(type)) handlers.set(type, new Set());
      handlers.get(type).add(handler);
      return () => handlers.get(type).delete(handler);
    },
    emit(type, detail) {
      for (const handler of [...(handlers.get(type) || [])]) {
        // One failing listener must not silence the others; the error still reaches the console.
        try { handler(detail); } catch (error) { (globalThis.reportError || console.error)(error); }
      }
    },
  };
}
