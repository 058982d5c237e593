// The check the worker makes after every program, from JavaScript. A program's trace, profile or
// sys.monitoring callback runs on every Python frame, the runner's own included, and may rewrite
// their locals (to skip putting the interpreter back). Calls made from JavaScript straight into the
// C functions run no Python frame, so no callback sees them: they switch the callbacks off, then
// the runner's _restore runs once more, untouched. Anything left on, or still to put back, means
// the program reached past its own run: its worker is replaced after it.

/** A Python callable as Pyodide hands it to JavaScript (a PyProxy). */
type PyCall = (...args: unknown[]) => unknown;

export interface AfterRunDeps {
  settrace: PyCall;
  setprofile: PyCall;
  gettrace: PyCall;
  getprofile: PyCall;
  /** sys.monitoring's get_tool, clear_tool_id, free_tool_id. */
  getTool: PyCall;
  clearTool: PyCall;
  freeTool: PyCall;
  /** Tool ids free when the worker locked itself (the ones a program could take). */
  tools: number[];
  /** The driver's _restore: puts the interpreter back, returns whether anything had changed. */
  restore: () => unknown;
}

/** Returns true when the interpreter must be replaced. */
export function afterRun(d: AfterRunDeps): boolean {
  let left = d.gettrace() != null || d.getprofile() != null;
  d.settrace(undefined); // undefined is None; null would be JsNull
  d.setprofile(undefined);
  for (const tool of d.tools) {
    if (d.getTool(tool) == null) continue;
    left = true;
    d.clearTool(tool);
    d.freeTool(tool);
  }
  // The runner already put everything back and collected the program's garbage: anything this
  // pass still finds changed was changed behind the runner's back (a hook, a finalizer).
  return d.restore() === true || left;
}
