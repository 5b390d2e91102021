import io
import logging
import os
from unittest import mock

import pyx12.error_handler
import pyx12.errors
import pyx12.params
import pyx12.x12n_document


def validate_x12(src, exclude_external_codes=()):
    """Validate one X12 interchange with pyx12. src: path, or text stream (io.StringIO(text)).
    Returns [(seg_id_or_element_ref, error_code, message), ...]; [] means zero errors."""
    trees = []

    class _Errh(pyx12.error_handler.err_handler):  # keep the error tree x12n_document builds
        def __init__(self):
            super().__init__()
            trees.append(self)

    param = pyx12.params.ParamsBase()  # built-in defaults, no ~/.pyx12.conf.xml
    param.set("exclude_external_codes", ",".join(exclude_external_codes))  # charset stays "E"
    fd = open(src, encoding="latin-1") if isinstance(src, (str, os.PathLike)) else src
    log = logging.getLogger("pyx12")
    old_level = log.level
    log.setLevel(logging.CRITICAL)  # pyx12 logs each error at ERROR level
    errs = []
    try:
        with mock.patch.object(pyx12.error_handler, "err_handler", _Errh):
            ok = pyx12.x12n_document.x12n_document(param, fd, fd_997=io.StringIO(), fd_html=None)
    except pyx12.errors.EngineError as exc:  # e.g. no map for GS01/GS08 (005010X222A2)
        ok, errs = False, [("GS", "engine", str(exc))]
    finally:
        log.setLevel(old_level)
        if fd is not src:
            fd.close()

    def walk(node, seg_id):
        for e in node.errors:  # ISA/GS/ST: (code, msg); SEG: (code, msg, value)
            errs.append((seg_id, e[0], e[1] + (f" [{e[2]}]" if len(e) > 2 and e[2] else "")))
        for ele in getattr(node, "elements", []):  # element errors (also ISA/GS/ST elements)
            errs.extend((f"{seg_id}{ele.ele_pos:02d}", c, m) for c, m, _ in ele.errors)
        for child in getattr(node, "children", []):
            walk(child, getattr(child, "seg_id", None) or child.id)

    for tree in trees:
        for isa in tree.children:
            walk(isa, "ISA")
    if not ok and not errs:  # bad/missing ISA header: nothing recorded
        errs.append(("ISA", "-", "pyx12 rejected the file (no valid 106-char ISA header)"))
    return errs
