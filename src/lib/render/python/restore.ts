// The half of the Python runner (driver.ts) that puts the interpreter back after each program:
// snapshots taken by _lock, compared by identity in C loops, and put back without calling anything
// a program could have replaced (every helper is bound as a default, which the audit hook guards).
// It is Python source, spliced into DRIVER_SOURCE; it uses the driver's imports and _FILENAME.
export const RESTORE_SOURCE = String.raw`
def _containers():
    seen = set()
    for m in list(sys.modules.values()):
        for v in list(getattr(m, '__dict__', {}).values()):
            t = type(v)
            if (t is list or t is dict or t is set) and id(v) not in seen and v is not sys.modules:
                seen.add(id(v))
                yield (v, _freeze(v) if t is dict else tuple(v))

def _classes(_HEAPTYPE=1 << 9):
    # Classes defined in Python (heap types) that modules hold: their attributes and bases, which a
    # program could replace (a stdin whose readline answers, an event loop that runs).
    seen = set()
    for m in list(sys.modules.values()):
        for v in list(getattr(m, '__dict__', {}).values()):
            if isinstance(v, type) and v.__flags__ & _HEAPTYPE and id(v) not in seen:
                seen.add(id(v))
                yield (v, v.__bases__, _freeze(v.__dict__))

def _freeze(mapping):
    return (tuple(mapping), tuple(mapping.values()))

def _same(live, keys, values, _len=len, _all=all, _map=map, _is=operator.is_):
    # By identity only (no __eq__ a program could define), and in C loops: this runs several times per program.
    return _len(live) == _len(keys) and _all(_map(_is, live, keys)) and _all(_map(_is, live.values(), values))

def _put_back(live, frozen, _same=_same, _zip=zip):
    """Makes the dict live hold exactly what _freeze saw again; says whether it had to."""
    if _same(live, *frozen):
        return False
    live.clear()
    live.update(_zip(*frozen))
    return True

def _put_back_class(cls, bases, frozen, _same=_same, _zip=zip, _set=set, _missing=object(), _setattr=type.__setattr__, _delattr=type.__delattr__):
    live = cls.__dict__
    if cls.__bases__ is bases and _same(live, *frozen):
        return False
    if cls.__bases__ is not bases:
        cls.__bases__ = bases
    keys = _set(frozen[0])
    for k in [k for k in live if k not in keys]:
        _delattr(cls, k)
    for k, v in _zip(*frozen):
        if live.get(k, _missing) is not v:
            _setattr(cls, k, v)
    return True

# Everything _restore and _run use is bound as a default when they are defined: a program can
# rebind builtins, module attributes and the driver's globals, but not these (the audit hook
# refuses replacing a driver function's defaults or code).
def _quiet(_settrace=sys.settrace, _setprofile=sys.setprofile, _get_tool=sys.monitoring.get_tool,
           _clear_tool=sys.monitoring.clear_tool_id, _free_tool=sys.monitoring.free_tool_id,
           _tools=tuple(t for t in range(6) if sys.monitoring.get_tool(t) is None)):
    """Stops a program's trace, profile and sys.monitoring callbacks, which would otherwise run on
    the runner's frames and in the next program. Says whether there were monitoring callbacks."""
    _setprofile(None)
    _settrace(None)
    cleared = False
    for tool in _tools:
        if _get_tool(tool) is not None:
            _clear_tool(tool)
            _free_tool(tool)
            cleared = True
    return cleared

def _refill(live, items, _dict=dict, _list=list, _len=len, _all=all, _map=map, _is=operator.is_, _type=type, _put_back=_put_back):
    t = _type(live)
    if t is _dict:
        return _put_back(live, items)
    if _len(live) == _len(items) and _all(_map(_is, live, items)):
        return False
    if t is _list:
        live[:] = items
    else:
        live.clear()
        live.update(items)
    return True

def _builtins_back(frozen=None, _put_back=_put_back, _builtins=builtins.__dict__):
    # Right after the program: describing its error and running the epilogue need real builtins.
    _put_back(_builtins, frozen)

def _restore(snapshot=None, _put_back=_put_back, _refill=_refill, _quiet=_quiet, _put_back_class=_put_back_class, _env=os.environ._data, _putenv=os.putenv, _unsetenv=os.unsetenv,
             _builtins=builtins.__dict__, _modules=sys.modules, _setlimit=sys.setrecursionlimit,
             _setdigits=sys.set_int_max_str_digits, _signal=signal.signal, _SIGINT=signal.SIGINT,
             _gc_enable=gc.enable, _gc_threshold=gc.set_threshold, _gc_debug=gc.set_debug, _asyncgen_hooks=sys.set_asyncgen_hooks, _tzset=getattr(time, 'tzset', lambda: None), _lines=linecache.cache, _filename=_FILENAME):
    """Puts the interpreter back as _lock found it; says whether anything had changed."""
    changed = _quiet()
    saved_builtins, saved_modules, saved_dicts, (limit, digits, sigint, threshold, debug, asyncgen), containers, env, classes = snapshot
    changed = _put_back(_builtins, saved_builtins) or changed  # before anything that may use builtins
    changed = _put_back(_modules, saved_modules) or changed
    for live, saved in saved_dicts:
        changed = _put_back(live, saved) or changed
    for live, saved in containers:
        changed = _refill(live, saved) or changed
    for cls, bases, items in classes:
        try:
            changed = _put_back_class(cls, bases, items) or changed
        except (TypeError, AttributeError):  # an immutable type cannot have been changed either
            pass
    added = _env.keys() - set(env[0])
    if _put_back(_env, env):  # os.environ's own dict, and the C environment under it
        changed = True
        for key in added:
            _unsetenv(key)
        for key, value in zip(*env):
            _putenv(key, value)
        _tzset()  # TZ may have changed (where time has tzset)
    _setlimit(limit)
    _setdigits(digits)
    _signal(_SIGINT, sigint)
    _gc_enable()
    _gc_threshold(*threshold)
    _gc_debug(debug)  # DEBUG_STATS would write into every later program's stderr
    _asyncgen_hooks(*asyncgen)
    _lines.pop(_filename, None)
    return changed
`;
