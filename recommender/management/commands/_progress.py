import sys


def console_progress(label: str, stream=None):
    """A progress callback that rewrites one console line: "label  1200/18644 (6%)"."""
    out = stream or sys.stderr
    # Django's OutputWrapper ends every write with a newline unless told otherwise.
    kwargs = {"ending": ""} if hasattr(out, "style_func") else {}

    def report(done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        out.write(f"\r  {label}: {done}/{total} ({percent}%)" + ("\n" if done >= total else ""), **kwargs)
        out.flush()

    return report
