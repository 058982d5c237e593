// The Python half of the runner, as source text the worker runs once per fresh interpreter.
// `_lock()` runs after packages and the caller's setup; `_run(code, epilogue)` runs one program in a
// fresh namespace and puts the interpreter back as it was found (builtins, sys.modules, module
// attributes and module-level containers, classes defined in Python, os.environ, recursion limit,
// signal handlers, trace and monitoring hooks), so one program cannot poison the next. What cannot
// be put back (objects deeper than module level) is bounded by recycling the worker every few
// dozen runs (python-client.ts); what a program did to the runner itself replaces the worker
// (after-run.ts).
import { RESTORE_SOURCE } from './restore';

export const PROGRAM_FILENAME = '<program>';

export const DRIVER_SOURCE = String.raw`
import sys, builtins, gc, signal, traceback, linecache, contextvars
# Common standard-library modules, imported now so that the snapshot below covers them.
import math, random, json, re, collections, itertools, functools, io, string, statistics, dataclasses, typing, fractions, decimal, textwrap, operator, copy, heapq, bisect, time, datetime, os

_FILENAME = '${'<program>'}'
_MSG_CAP = 300
_TB_CAP = 4000
# Modules a program may not import: the JS bridge and foreign-function access.
_REFUSED_IMPORTS = frozenset({'js', 'pyodide_js', 'ctypes', '_ctypes', 'pyodide.http', 'pyodide.code', 'pyodide.webloop', 'micropip', '_pyodide_core', 'pyodide.ffi', '_pyodide', 'pyodide_http', 'socket', '_socket', 'ssl'})
_REFUSED_EVENTS = frozenset({'os.system', 'subprocess.Popen', 'os.exec', 'os.posix_spawn', 'os.spawn', 'os.fork', 'os.forkpty', 'os.kill', 'os.killpg', 'ctypes.dlopen', 'ctypes.dlsym', 'ctypes.cdata', 'ctypes.addressof', 'socket.connect', 'socket.__new__', 'sys.addaudithook', 'urllib.Request', 'os.startfile'})

class SandboxRefusal(RuntimeError):
    pass

class RefusedImport(ImportError):
    # An ImportError, so that libraries' "try: import ctypes / except ImportError" fallbacks still work.
    pass

def _short(text, cap=_MSG_CAP):
    text = ' '.join(str(text).split())
    return text if len(text) <= cap else text[:cap] + '…'

_GUARDED_ATTRS = ('__code__', '__defaults__', '__kwdefaults__')

def _audit(event, args, _refused_events=_REFUSED_EVENTS, _refused_imports=_REFUSED_IMPORTS, _Refusal=SandboxRefusal, _Import=RefusedImport, _driver=globals(), _guarded=_GUARDED_ATTRS, _getattr=getattr):
    if event == 'import':
        name = args[0]
        if name in _refused_imports or name.split('.')[0] in ('js', 'pyodide_js', 'ctypes', 'micropip'):
            raise _Import(f'import {name} is not allowed in the sandbox', name=name)
    elif event in _refused_events:
        raise _Refusal(f'{event} is not allowed in the sandbox')
    elif (event == 'object.__setattr__' or event == 'object.__delattr__') and args[1] in _guarded and _getattr(args[0], '__globals__', None) is _driver:
        # The runner's functions (this hook included) keep their code and bound defaults.
        raise _Refusal(f'replacing {args[1]} of the sandbox runner is not allowed')

def _no_event_loop(*args, **kwargs):
    raise RuntimeError("asyncio's event loop cannot run here: a program runs synchronously, and nothing it schedules may outlive it")

# Pyodide's run_until_complete (asyncio.run too) would try to switch stacks, and its scheduling is
# refused by the lock-down (lockdown.ts), which together take the interpreter down: refuse it first.
from pyodide.webloop import WebLoop
WebLoop.run_until_complete = _no_event_loop

class _NoInput(io.StringIO):
    # Programs get no input: input() raises EOFError. exit() closes stdin; this one stays open.
    def close(self):
        pass

def _lock(refused_modules):
    sys.stdin = sys.__stdin__ = _NoInput('')
    for name in refused_modules:
        sys.modules.pop(name, None)
    # The snapshot is immutable (tuples) and bound as _restore's default, not kept in a global a
    # program could reach (sys.modules['__main__']) and rewrite: only the live dicts it names change.
    snapshot = (
        _freeze(builtins.__dict__),
        _freeze(sys.modules),
        tuple((m.__dict__, _freeze(m.__dict__)) for m in list(sys.modules.values()) if hasattr(m, '__dict__')),
        (sys.getrecursionlimit(), sys.get_int_max_str_digits(), signal.getsignal(signal.SIGINT), gc.get_threshold(), gc.get_debug(), tuple(sys.get_asyncgen_hooks())),
        # The contents of module-level lists, dicts and sets (sys.meta_path, sys.path_importer_cache,
        # gc.callbacks, warnings.filters, re's cache…): a program could leave code in them that the
        # next program would run.
        tuple(_containers()),
        _freeze(os.environ._data),
        tuple(_classes()),
    )
    _restore.__defaults__ = (snapshot,) + _restore.__defaults__[1:]
    _builtins_back.__defaults__ = (snapshot[0],) + _builtins_back.__defaults__[1:]
    sys.addaudithook(_audit)  # audit hooks cannot be removed; this one also refuses adding others

${RESTORE_SOURCE}
# _program_frames, _describe and _classify also take what they use as defaults: a program can
# rebind the driver's globals (sys.modules['__main__']) before it fails.
def _program_frames(tb, _filename=_FILENAME):
    while tb is not None and tb.tb_frame.f_code.co_filename != _filename:
        tb = tb.tb_next
    return tb

def _describe(kind, exc, _filename=_FILENAME, _program_frames=_program_frames, _format=traceback.format_exception, _tb_cap=_TB_CAP, _short=_short):
    line = None
    if isinstance(exc, SyntaxError) and exc.filename == _filename:
        line = exc.lineno
    tb = _program_frames(exc.__traceback__)
    t = tb
    while t is not None:
        if t.tb_frame.f_code.co_filename == _filename:
            line = t.tb_lineno
        t = t.tb_next
    try:
        text = exc.msg if isinstance(exc, SyntaxError) and exc.msg else str(exc)
    except BaseException as e:
        text = f'<the exception could not be shown: {type(e).__name__}>'
    try:
        tb_text = ''.join(_format(type(exc), exc, tb))
    except BaseException:
        tb_text = ''
    if len(tb_text) > _tb_cap:
        tb_text = '…' + tb_text[-_tb_cap:]
    name = type(exc).__name__
    message = _short(f'{name}: {text}' if text else name)
    if line is not None:
        message += f' (line {line})'
    return {'kind': kind, 'message': message, 'line': line, 'traceback': tb_text}

def _figure(ns):
    fig = ns.get('__sgp_figure__')
    if fig is None:
        return None
    if isinstance(fig, (bytes, bytearray, memoryview)):
        return {'bytes': bytes(fig)}
    if isinstance(fig, tuple) and len(fig) == 3:
        w, h, data = fig
        data = bytes(data)
        if isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0 and len(data) == w * h * 4:
            return {'bytes': data, 'width': w, 'height': h}
    raise TypeError('__sgp_figure__ must be bytes (an encoded image) or (width, height, rgba_bytes) with width*height*4 bytes')

def _classify(exc, _refusals=(SandboxRefusal, RefusedImport)):
    if isinstance(exc, KeyboardInterrupt):
        return 'interrupted'
    if isinstance(exc, MemoryError):
        return 'memory'
    if isinstance(exc, _refusals):
        return 'refused'
    return 'python'

def _stream_settings(_streams=(sys.stdout, sys.stderr), _fstat=os.fstat):
    try:
        files = tuple((st.st_dev, st.st_ino, st.st_rdev) for st in (_fstat(1), _fstat(2)))
        return files + tuple((s.closed, s.encoding, s.errors, s.line_buffering, s.write_through) for s in _streams)
    except (ValueError, OSError):  # detached, or the file descriptor closed
        return None

_STREAM_SETTINGS = _stream_settings()

def _run(code, epilogue, _builtins=builtins, _compile=compile, _exec=exec, _describe=_describe, _classify=_classify,
         _figure=_figure, _short=_short, _restore=_restore, _collect=gc.collect, _quiet=_quiet, _builtins_back=_builtins_back, _SystemExit=SystemExit, _BaseException=BaseException, _Context=contextvars.Context,
         _lines=linecache.cache, _filename=_FILENAME, _streams=(sys.stdout, sys.stderr), _settings=_stream_settings, _expected=_STREAM_SETTINGS):
    ns = {'__name__': '__main__', '__builtins__': _builtins}
    # Context variables (decimal's context among them) set by the program stay in this context.
    context = _Context()
    out = {'error': None, 'figure': None, 'recycle': False}
    try:
        try:
            tree = _compile(code, _filename, 'exec')
        except (SyntaxError, ValueError) as e:
            out['error'] = _describe('syntax', e)
            return out
        _lines[_filename] = (len(code), None, code.splitlines(True), _filename)
        try:
            context.run(_exec, tree, ns)
        except _SystemExit as e:  # bound: the program may have emptied builtins
            _quiet()
            _builtins_back()
            if e.code not in (None, 0):
                out['error'] = _describe('python', e)
        except _BaseException as e:
            _quiet()  # before the runner's own frames run
            _builtins_back()
            out['error'] = _describe(_classify(e), e)
        _quiet()
        _builtins_back()
        if out['error'] is None and epilogue:
            try:
                context.run(_exec, _compile(epilogue, '<epilogue>', 'exec'), ns)
            except BaseException as e:
                d = _describe(_classify(e), e)
                d['message'] = 'epilogue: ' + d['message']
                out['error'] = d
        if out['error'] is None:
            try:
                out['figure'] = _figure(ns)
            except BaseException as e:
                out['error'] = {'kind': 'figure', 'message': _short(str(e)), 'line': None, 'traceback': ''}
        return out
    finally:
        _quiet()
        for stream in _streams:
            try:
                stream.flush()
            except BaseException:
                pass
        ns.clear()
        _restore()
        # Finalizers (__del__, weakref callbacks) run now. One that changes the interpreter again
        # is found by the worker's own pass after this one (after-run.ts), which replaces the worker.
        _collect()
        # A program that closed the real stdout or stderr leaves nothing to print to: use a fresh interpreter.
        # So does one that detached them, changed their encoding (reconfigure) or closed or redirected
        # the file descriptors under them: the next program's output would be lost or garbled.
        try:
            out['recycle'] = _settings() != _expected
        except BaseException:  # a program's hook broke the check itself
            out['recycle'] = True
`;
