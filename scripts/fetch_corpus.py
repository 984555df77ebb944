"""Copy the conformance corpus (conformance/corpus.json) from fetched git mirrors into corpus/ (git-ignored).

Each item names a public repository, a commit and a path. The mirror of ``owner/name`` is a bare git directory
at ``$GEOTWIN_MIRROR/owner+name/repo`` (or ``.../owner+name`` itself); the default mirror root is /work/.mirror.
Items whose mirror, commit or file is missing are listed as "not fetched"; derived items (zips of real tiles,
the way several states ship them) are built from items fetched before them. The outcome is written to
corpus/fetched.json for the harness. Others' data is never committed: corpus/ is in .gitignore.

    python scripts/fetch_corpus.py [--mirror DIR] [--corpus DIR] [--manifest FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MIRROR = "/work/.mirror"


def mirror_dir(mirror: Path, repository: str) -> Path | None:
    """The bare git directory of ``owner/name`` under the mirror root, or None."""
    base = mirror / repository.replace("/", "+")
    for candidate in (base / "repo", base):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def git_blob(git_dir: Path, commit: str, path: str) -> bytes:
    """The file ``path`` at ``commit``; raises RuntimeError with git's message when it is not there."""
    proc = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"],
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode("utf-8", "replace").strip() or f"git show exited {proc.returncode}")
    return proc.stdout


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def to_cityjsonseq(doc: dict) -> str:
    """A CityJSON (1.1+) document as CityJSONSeq: the header line, then one CityJSONFeature per top-level object
    with its children and its own vertex list (boundaries re-indexed). Appearances are left out."""
    header = {k: v for k, v in doc.items() if k not in ("CityObjects", "vertices", "appearance")}
    header.update(CityObjects={}, vertices=[])
    objects, vertices = doc["CityObjects"], doc["vertices"]
    lines = [json.dumps(header, separators=(",", ":"))]
    for oid, obj in objects.items():
        if obj.get("parents"):
            continue
        ids, stack = [], [oid]
        while stack:
            current = stack.pop(0)
            ids.append(current)
            stack.extend(c for c in objects[current].get("children", []) if c in objects)
        mapping: dict[int, int] = {}
        local: list = []

        def remap(b, mapping=mapping, local=local):
            if isinstance(b, list):
                return [remap(x, mapping, local) for x in b]
            if b not in mapping:
                mapping[b] = len(local)
                local.append(vertices[b])
            return mapping[b]

        members = {}
        for i in ids:
            member = dict(objects[i])
            if "geometry" in member:
                member["geometry"] = [dict(g, boundaries=remap(g["boundaries"])) for g in member["geometry"]]
            members[i] = member
        lines.append(json.dumps({"type": "CityJSONFeature", "id": oid, "CityObjects": members, "vertices": local},
                                separators=(",", ":")))
    return "\n".join(lines) + "\n"


def fetch(manifest: Path, mirror: Path, corpus: Path) -> list[dict]:
    """Copy every item; returns one status record per item (also written to corpus/fetched.json)."""
    items = json.loads(manifest.read_text(encoding="utf-8"))["items"]
    done: dict[str, Path] = {}
    records = []
    for item in items:
        record = {k: item[k] for k in ("id", "kind", "dest") if k in item}
        target = corpus / item["dest"]
        try:
            derived = item.get("derived")
            if derived:
                missing = [m for m in derived["members"] if m not in done]
                if missing:
                    raise RuntimeError(f"members not fetched: {', '.join(missing)}")
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".part")
                if derived["type"] == "zip":
                    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                        for member in derived["members"]:
                            zf.write(done[member], arcname=done[member].name)
                elif derived["type"] == "cityjsonseq":
                    doc = json.loads(done[derived["members"][0]].read_text(encoding="utf-8"))
                    tmp.write_text(to_cityjsonseq(doc), encoding="utf-8")
                else:
                    raise RuntimeError(f"unknown derived type {derived['type']!r}")
                os.replace(tmp, target)
            else:
                git_dir = mirror_dir(mirror, item["repository"])
                if git_dir is None:
                    raise RuntimeError(f"no mirror of {item['repository']} under {mirror}")
                data = git_blob(git_dir, item["commit"], item["path"])
                if data.startswith(b"version https://git-lfs"):
                    raise RuntimeError("the file is a Git LFS pointer, not the data")
                _write(target, data)
            done[item["id"]] = target
            record.update(status="fetched", bytes=target.stat().st_size)
        except (RuntimeError, OSError, zipfile.BadZipFile, ValueError, KeyError, IndexError) as err:
            record.update(status="not fetched", reason=str(err).splitlines()[0] if str(err) else type(err).__name__)
        records.append(record)
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / "fetched.json").write_text(json.dumps(records, indent=1), encoding="utf-8")
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", default=os.environ.get("GEOTWIN_MIRROR", DEFAULT_MIRROR))
    parser.add_argument("--corpus", default=str(ROOT / "corpus"))
    parser.add_argument("--manifest", default=str(ROOT / "conformance" / "corpus.json"))
    args = parser.parse_args(argv)
    records = fetch(Path(args.manifest), Path(args.mirror), Path(args.corpus))
    for r in records:
        extra = f"{r['bytes']} bytes" if r["status"] == "fetched" else r["reason"]
        print(f"{r['status']:12} {r['id']:28} {r['dest']}  ({extra})")
    fetched = sum(r["status"] == "fetched" for r in records)
    print(f"{fetched} of {len(records)} items fetched into {args.corpus}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
