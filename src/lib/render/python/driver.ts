// The Python half of the runner, as source text the worker runs once per fresh interpreter.
// `_sgp_lock()` runs after packages and the caller's setup; `_sgp_run(code, epilogue)` runs one
// program in a fresh namespace and puts the interpreter back as it was found (builtins, sys.modules,
// module attributes, recursion limit, signal handlers, trace hooks), so one program cannot poison
// the next. What cannot be put back (attributes of classes defined in Python modules) is bounded
// by recycling the worker every few dozen runs (python-client.ts).
export const PROGRAM_FILENAME = '<program>';

export const DRIVER_SOURCE = String.raw`
import sys, builtins, gc, signal, traceback, linecache
# Common standard-library modules, imported now so that the snapshot below covers them.
import math, random, json, re, collections, itertools, functools, io, string, statistics, dataclasses, typing, fractions, decimal, textwrap, operator, copy, heapq, bisect, time, datetime, os

_FILENAME = '${'<program>'}'
_MSG_CAP = 300
_TB_CAP = 4000
# Modules a program may not import: the JS bridge and foreign-function access.
_REFUSED_IMPORTS = frozenset({'js', 'pyodide_js', 'ctypes', '_ctypes', 'pyodide.http', 'pyodide.code', 'pyodide.webloop', 'micropip', '_pyodide_core', 'pyodide.ffi', '_pyodide', 'pyodide_http', 'socket', '_socket', 'ssl'})
_REFUSED_EVENTS = frozenset({'os.system', 'subprocess.Popen', 'os.exec', 'os.posix_spawn', 'os.spawn', 'os.fork', 'os.forkpty', 'os.kill', 'os.killpg', 'ctypes.dlopen', 'ctypes.dlsym', 'ctypes.cdata', 'ctypes.addressof', 'socket.connect', 'socket.__new__', 'sys.addaudithook', 'urllib.Request', 'os.startfile'})
_state = {}

class SandboxRefusal(RuntimeError):
    pass

class RefusedImport(ImportError):
    # An ImportError, so that libraries' "try: import ctypes / except ImportError" fallbacks still work.
    pass

def _short(text, cap=_MSG_CAP):
    text = ' '.join(str(text).split())
    return text if len(text) <= cap else text[:cap] + '…'

def _audit(event, args, _refused_events=_REFUSED_EVENTS, _refused_imports=_REFUSED_IMPORTS, _Refusal=SandboxRefusal, _Import=RefusedImport):
    if event == 'import':
        name = args[0]
        if name in _refused_imports or name.split('.')[0] in ('js', 'pyodide_js', 'ctypes', 'micropip'):
            raise _Import(f'import {name} is not allowed in the sandbox', name=name)
    elif event in _refused_events:
        raise _Refusal(f'{event} is not allowed in the sandbox')

class _NoInput(io.StringIO):
    # Programs get no input: input() raises EOFError. exit() closes stdin; this one stays open.
    def close(self):
        pass

def _lock(refused_modules):
    sys.stdin = sys.__stdin__ = _NoInput('')
    for name in refused_modules:
        sys.modules.pop(name, None)
    sys.addaudithook(_audit)  # audit hooks cannot be removed; this one also refuses adding others
    _state['builtins'] = dict(builtins.__dict__)
    _state['modules'] = dict(sys.modules)
    _state['dicts'] = [(m.__dict__, dict(m.__dict__)) for m in list(sys.modules.values()) if hasattr(m, '__dict__')]
    _state['limit'] = sys.getrecursionlimit()
    _state['digits'] = sys.get_int_max_str_digits()
    _state['sigint'] = signal.getsignal(signal.SIGINT)
    _state['gc'] = gc.get_threshold()

def _restore():
    sys.settrace(None)
    sys.setprofile(None)
    sys.setrecursionlimit(_state['limit'])
    sys.set_int_max_str_digits(_state['digits'])
    signal.signal(signal.SIGINT, _state['sigint'])
    gc.enable()
    gc.set_threshold(*_state['gc'])
    modules = _state['modules']
    if sys.modules.keys() != modules.keys() or any(sys.modules[k] is not v for k, v in modules.items()):
        sys.modules.clear()
        sys.modules.update(modules)
    for live, saved in _state['dicts']:
        if len(live) != len(saved) or any(live.get(k, _restore) is not v for k, v in saved.items()):
            live.clear()
            live.update(saved)
    linecache.cache.pop(_FILENAME, None)

def _program_frames(tb):
    while tb is not None and tb.tb_frame.f_code.co_filename != _FILENAME:
        tb = tb.tb_next
    return tb

def _describe(kind, exc):
    line = None
    if isinstance(exc, SyntaxError) and exc.filename == _FILENAME:
        line = exc.lineno
    tb = _program_frames(exc.__traceback__)
    t = tb
    while t is not None:
        if t.tb_frame.f_code.co_filename == _FILENAME:
            line = t.tb_lineno
        t = t.tb_next
    try:
        text = exc.msg if isinstance(exc, SyntaxError) and exc.msg else str(exc)
    except BaseException as e:
        text = f'<the exception could not be shown: {type(e).__name__}>'
    try:
        tb_text = ''.join(traceback.format_exception(type(exc), exc, tb))
    except BaseException:
        tb_text = ''
    if len(tb_text) > _TB_CAP:
        tb_text = '…' + tb_text[-_TB_CAP:]
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

def _classify(exc):
    if isinstance(exc, KeyboardInterrupt):
        return 'interrupted'
    if isinstance(exc, MemoryError):
        return 'memory'
    if isinstance(exc, (SandboxRefusal, RefusedImport)):
        return 'refused'
    return 'python'

def _run(code, epilogue):
    ns = {'__name__': '__main__', '__builtins__': builtins}
    out = {'error': None, 'figure': None, 'recycle': False}
    try:
        try:
            tree = compile(code, _FILENAME, 'exec')
        except (SyntaxError, ValueError) as e:
            out['error'] = _describe('syntax', e)
            return out
        linecache.cache[_FILENAME] = (len(code), None, code.splitlines(True), _FILENAME)
        try:
            exec(tree, ns)
        except SystemExit as e:
            if e.code not in (None, 0):
                out['error'] = _describe('python', e)
        except BaseException as e:
            out['error'] = _describe(_classify(e), e)
        if out['error'] is None and epilogue:
            try:
                exec(compile(epilogue, '<epilogue>', 'exec'), ns)
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
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        ns.clear()
        _restore()
        # A program that closed the real stdout or stderr leaves nothing to print to: use a fresh interpreter.
        out['recycle'] = sys.stdout.closed or sys.stderr.closed
        gc.collect()
`;
