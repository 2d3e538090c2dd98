import re, sys
from importlib.metadata import distribution, PackageNotFoundError
from packaging.requirements import Requirement
def closure(names):
    seen = {}
    stack = list(names)
    while stack:
        req = Requirement(stack.pop())
        key = req.name.lower().replace("_", "-")
        try: d = distribution(req.name)
        except PackageNotFoundError: continue
        extras = set(req.extras)
        if key in seen: 
            seen[key][1].update(extras)
        else:
            seen[key] = (d, set(extras))
        for r in d.requires or []:
            rr = Requirement(r)
            env = {"extra": ""}
            ok = rr.marker is None or rr.marker.evaluate(env) or any(rr.marker.evaluate({"extra": e}) for e in extras)
            if ok and rr.name.lower().replace("_","-") not in seen: stack.append(str(rr).split(";")[0])
    return seen
top = [l.strip() for l in open(sys.argv[1]) if l.strip() and not l.startswith(("#","-r"))]
s = closure(top)
for k in sorted(s): print(f"{s[k][0].metadata['Name']}=={s[k][0].version}")
