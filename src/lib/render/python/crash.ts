// When the interpreter itself dies (a C stack overflow from deeply nested code, a JS allocation that
// fails under the file system), Pyodide's fatal-error handler writes the Python stack into stdout
// and throws. This turns that into the program's line and a message that says what happened.

const DUMP_HEADER = 'Stack (most recent call first):';

/** Takes the stack dump out of the program's output; `line` is the innermost frame in `filename`. */
export function splitFatalDump(stdout: string, filename: string): { stdout: string; line: number | null } {
  const at = stdout.lastIndexOf(DUMP_HEADER);
  if (at < 0) return { stdout, line: null };
  const quoted = filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`File "${quoted}", line (\\d+)`).exec(stdout.slice(at));
  return { stdout: stdout.slice(0, at), line: m ? Number(m[1]) : null };
}

/**
 * One line for the caller: what failed, where in the program, and that the worker is replaced.
 * `inRunner`: a Python exception escaped the runner itself (a program's hook or finalizer broke it).
 */
export function crashMessage(jsError: string, line: number | null, inRunner = false): string {
  const where = line != null ? ` at line ${line}` : '';
  if (inRunner) return `the program broke the runner around it (${jsError.slice(0, 200)}); its worker is replaced`;
  if (/Maximum call stack size exceeded|too much recursion/i.test(jsError))
    return `the program nested too deeply for the interpreter's stack${where} (deep recursion or a huge nested expression); its worker is replaced`;
  const exit = /Program terminated with exit\((\d+)\)/.exec(jsError);
  if (exit) return `the program ended the interpreter${where} (exit status ${exit[1]}: os._exit or a signal); its worker is replaced`;
  if (/^(RuntimeError: )?(unreachable|Aborted)/.test(jsError)) return `the program aborted the interpreter${where} (os.abort or a fatal signal); its worker is replaced`;
  if (/allocation failed|out of memory/i.test(jsError))
    return `the program ran the worker out of memory${where} (${jsError.slice(0, 100)}); its worker is replaced`;
  return `the Python interpreter failed${where} (${jsError.slice(0, 200)}); its worker is replaced`;
}
