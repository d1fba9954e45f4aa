#!/usr/bin/env python3
"""Packages built gomedic binaries for each channel (called by scripts/release.sh).

  wheel-win   the Windows wheel, from the maturin-built Linux wheel's metadata: maturin only
              packages what it builds itself, and the Windows exe comes from the mingw build
  npm         npm packages (esbuild pattern: gomedic + @gomedic/<os>-<cpu>), packed
  manifests   scoop (JSON) and winget (three YAML files) manifests for the Windows zip
  sums        SHA256SUMS of the release files
Standard library only.
"""

import argparse
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile

DESCRIPTION = "Diagnoses, explains and repairs Go development environments"
LICENSE = "MIT OR Apache-2.0"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def wheel_win(a):
    """Wheel spec (PEP 427/491): binaries in <name>-<ver>.data/scripts/, RECORD with hashes."""
    with zipfile.ZipFile(a.like) as z:
        metadata = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        metadata_text = z.read(metadata)
    dist_info = metadata.split("/")[0]
    name_ver = dist_info[: -len(".dist-info")]
    tag = "py3-none-win_amd64"
    files = [
        (f"{name_ver}.data/scripts/gomedic.exe", open(a.exe, "rb").read()),
        (f"{dist_info}/METADATA", metadata_text),
        (
            f"{dist_info}/WHEEL",
            (
                "Wheel-Version: 1.0\n"
                "Generator: gomedic scripts/release/package.py\n"
                "Root-Is-Purelib: false\n"
                f"Tag: {tag}\n"
            ).encode(),
        ),
    ]
    record = io.StringIO()
    for path, data in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.write(f"{path},sha256={digest},{len(data)}\n")
    record.write(f"{dist_info}/RECORD,,\n")
    files.append((f"{dist_info}/RECORD", record.getvalue().encode()))
    out = os.path.join(a.out, f"{name_ver}-{tag}.whl")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files:
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if path.endswith(".exe") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    print(out)


PLATFORMS = [
    # npm name suffix, os, cpu, dist subdirectory, binary
    ("linux-x64", "linux", "x64", "x86_64-unknown-linux-musl", "gomedic"),
    ("win32-x64", "win32", "x64", "x86_64-pc-windows-gnu", "gomedic.exe"),
]


def npm(a):
    src = os.path.join(a.dist, "npm-src")
    shutil.rmtree(src, ignore_errors=True)
    common = {"version": a.version, "license": LICENSE, "homepage": a.homepage}
    dirs = []
    for suffix, os_, cpu, sub, exe in PLATFORMS:
        d = os.path.join(src, suffix)
        os.makedirs(os.path.join(d, "bin"))
        shutil.copy2(os.path.join(a.dist, sub, exe), os.path.join(d, "bin", exe))
        os.chmod(os.path.join(d, "bin", exe), 0o755)
        pkg = {
            "name": f"@gomedic/{suffix}",
            **common,
            "description": f"The {os_} {cpu} binary of gomedic (installed by the gomedic package)",
            "os": [os_],
            "cpu": [cpu],
            "files": ["bin/"],
            "preferUnplugged": True,
        }
        write_json(os.path.join(d, "package.json"), pkg)
        dirs.append(d)
    d = os.path.join(src, "gomedic")
    shutil.copytree(a.npm_template, d)
    shutil.copy2(a.readme, os.path.join(d, "README.md"))
    pkg = {
        "name": "gomedic",
        **common,
        "description": DESCRIPTION,
        "keywords": ["go", "golang", "doctor", "diagnostics", "cli"],
        "bin": {"gomedic": "bin/gomedic.js"},
        "files": ["bin/"],
        "optionalDependencies": {f"@gomedic/{p[0]}": a.version for p in PLATFORMS},
        "engines": {"node": ">=16"},
    }
    write_json(os.path.join(d, "package.json"), pkg)
    dirs.append(d)
    for d in dirs:
        out = subprocess.run(
            ["npm", "pack", "--pack-destination", a.dist, d],
            check=True, stdout=subprocess.PIPE, text=True,
        ).stdout.strip().splitlines()[-1]
        print(os.path.join(a.dist, out))


def write_json(path, obj):
    with open(path, "w", newline="\n") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def manifests(a):
    zip_name = os.path.basename(a.zip)
    url = f"{a.base_url.rstrip('/')}/{zip_name}"
    digest = sha256(a.zip)
    os.makedirs(os.path.join(a.dist, "scoop"), exist_ok=True)
    scoop = {
        "version": a.version,
        "description": DESCRIPTION,
        "homepage": a.homepage,
        # Scoop writes "either of" licenses with |.
        "license": LICENSE.replace(" OR ", "|"),
        "architecture": {"64bit": {"url": url, "hash": digest}},
        "bin": "gomedic.exe",
    }
    write_json(os.path.join(a.dist, "scoop", "gomedic.json"), scoop)

    # winget-pkgs takes the multi-file form: version, installer and default locale.
    ident = a.winget_id
    mv = "1.10.0"
    d = os.path.join(a.dist, "winget", "manifests", ident[0].lower(), *ident.split("."), a.version)
    os.makedirs(d, exist_ok=True)
    head = lambda kind: (
        f"# yaml-language-server: $schema=https://aka.ms/winget-manifest.{kind}.{mv}.schema.json\n"
        f"PackageIdentifier: {ident}\nPackageVersion: {q(a.version)}\n"
    )
    files = {
        f"{ident}.yaml": head("version")
        + f"DefaultLocale: en-US\nManifestType: version\nManifestVersion: {mv}\n",
        f"{ident}.installer.yaml": head("installer")
        + "InstallerType: zip\n"
        + "NestedInstallerType: portable\n"
        + "NestedInstallerFiles:\n"
        + "- RelativeFilePath: gomedic.exe\n"
        + "  PortableCommandAlias: gomedic\n"
        + "Commands:\n- gomedic\n"
        + "Installers:\n"
        + "- Architecture: x64\n"
        + f"  InstallerUrl: {q(url)}\n"
        + f"  InstallerSha256: {q(digest.upper())}\n"
        + f"ManifestType: installer\nManifestVersion: {mv}\n",
        f"{ident}.locale.en-US.yaml": head("defaultLocale")
        + "PackageLocale: en-US\n"
        + f"Publisher: {q(a.publisher)}\n"
        + "PackageName: gomedic\n"
        + f"PackageUrl: {q(a.homepage)}\n"
        + f"License: {q(LICENSE)}\n"
        + f"ShortDescription: {q(DESCRIPTION)}\n"
        + "Tags:\n- go\n- golang\n- diagnostics\n"
        + f"ManifestType: defaultLocale\nManifestVersion: {mv}\n",
    }
    for name, text in files.items():
        with open(os.path.join(d, name), "w", newline="\n") as f:
            f.write(text)
    print(os.path.join(a.dist, "scoop", "gomedic.json"))
    print(d)


def q(s):
    """A YAML double-quoted scalar (JSON strings are valid ones)."""
    return json.dumps(s)


def sums(a):
    entries = []
    for root, _, names in os.walk(a.dist):
        for n in names:
            p = os.path.join(root, n)
            rel = os.path.relpath(p, a.dist).replace(os.sep, "/")
            if rel == "SHA256SUMS" or rel.startswith("npm-src/"):
                continue
            entries.append((rel, sha256(p)))
    with open(os.path.join(a.dist, "SHA256SUMS"), "w", newline="\n") as f:
        for rel, digest in sorted(entries):
            f.write(f"{digest}  {rel}\n")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("wheel-win")
    w.add_argument("--like", required=True, help="maturin-built wheel to take METADATA from")
    w.add_argument("--exe", required=True)
    w.add_argument("--out", required=True)
    n = sub.add_parser("npm")
    n.add_argument("--dist", required=True)
    n.add_argument("--version", required=True)
    n.add_argument("--homepage", required=True)
    n.add_argument("--npm-template", required=True)
    n.add_argument("--readme", required=True)
    m = sub.add_parser("manifests")
    m.add_argument("--dist", required=True)
    m.add_argument("--version", required=True)
    m.add_argument("--zip", required=True)
    m.add_argument("--base-url", required=True)
    m.add_argument("--homepage", required=True)
    m.add_argument("--publisher", required=True)
    m.add_argument("--winget-id", required=True)
    s = sub.add_parser("sums")
    s.add_argument("--dist", required=True)
    a = p.parse_args()
    {"wheel-win": wheel_win, "npm": npm, "manifests": manifests, "sums": sums}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
