"""The whole SPEC §6 command line as a person types it: exit codes, one-line errors, results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DGW = str(Path(sys.executable).parent / "dgw")


def dgw(home: Path, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [DGW, "--home", str(home), *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == expect, (
        args,
        done.returncode,
        done.stdout[-2000:],
        done.stderr[-2000:],
    )
    return done


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cli")
    home, data = root / "home", root / "data"
    dgw(
        home,
        "generate",
        "--out",
        str(data),
        "--taxpayers",
        "3000",
        "--requests",
        "700",
        "--seed",
        "11",
    )
    dgw(
        home,
        "master",
        "load",
        "--taxpayers",
        str(data / "taxpayers.csv"),
        "--addresses",
        str(data / "addresses.csv"),
    )
    dgw(home, "keygen", "--out", str(root / "ice"))
    dgw(
        home,
        "agency",
        "add",
        "DHS-ICE",
        "--public-key",
        str(root / "ice.pub"),
        "--signatory",
        "Jane Doe",
        "--safeguards-current",
    )
    dgw(home, "batch", "sign", str(data / "manifest.json"), "--key", str(root / "ice.key"))
    batch_id = dgw(home, "batch", "submit", str(data / "manifest.json")).stdout.strip()
    assert batch_id == json.loads((data / "manifest.json").read_text())["batch_id"]
    dgw(home, "batch", "run", batch_id)
    dgw(home, "batch", "response", batch_id, "--out", str(root / "response.csv"))
    (root / "batch_id").write_text(batch_id)
    return {"root": root, "home": home, "data": data}


def test_the_response_is_lawful_against_the_truth(flow: dict[str, Path]) -> None:
    root, data = flow["root"], flow["data"]
    out = dgw(
        flow["home"],
        "score",
        "--truth",
        str(data / "truth.csv"),
        "--response",
        str(root / "response.csv"),
        "--json",
        "--strict",
    )
    card = json.loads(out.stdout)
    assert card["unlawful_disclosures"] == 0
    assert card["wrong_address_disclosures"] == 0
    assert card["rejected_code_mismatches"] == 0
    assert card["lawful_recall_by_matcher_hint"]["exact"]["recall"] >= 0.99


def test_a_second_run_does_nothing_and_says_so(flow: dict[str, Path]) -> None:
    batch_id = (flow["root"] / "batch_id").read_text()
    before = dgw(flow["home"], "audit", "verify").stdout
    out = dgw(flow["home"], "batch", "run", batch_id)
    assert "already finished" in out.stdout
    assert dgw(flow["home"], "audit", "verify").stdout == before


def test_resubmitting_the_batch_is_refused_with_one_line(flow: dict[str, Path]) -> None:
    out = dgw(flow["home"], "batch", "submit", str(flow["data"] / "manifest.json"), expect=2)
    assert out.stderr.count("\n") == 1
    assert "already submitted" in out.stderr


def test_a_tampered_records_file_is_refused(flow: dict[str, Path], tmp_path: Path) -> None:
    data = flow["data"]
    manifest = json.loads((data / "manifest.json").read_text())
    manifest["batch_id"] = "ICE-TAMPERED-1"  # signature no longer covers this
    (tmp_path / "requests.csv").write_bytes((data / "requests.csv").read_bytes())
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    out = dgw(flow["home"], "batch", "submit", str(tmp_path / "manifest.json"), expect=2)
    assert "signature" in out.stderr
    assert out.stderr.count("\n") == 1


def test_hold_refuses_submissions_until_lifted(flow: dict[str, Path]) -> None:
    dgw(flow["home"], "hold", "on", "--reason", "court order 26-cv-1", "--by", "counsel")
    out = dgw(flow["home"], "batch", "submit", str(flow["data"] / "manifest.json"), expect=2)
    assert "legal hold" in out.stderr
    dgw(flow["home"], "hold", "off", "--reason", "order lifted", "--by", "counsel")


def test_explain_names_the_rule_and_draws_the_weights(flow: dict[str, Path]) -> None:
    batch_id = (flow["root"] / "batch_id").read_text()
    rows = (flow["root"] / "response.csv").read_text().splitlines()[1:]
    disclosed = next(r.split(",")[0] for r in rows if ",DISCLOSED," in r)
    out = dgw(flow["home"], "explain", batch_id, disclosed)
    assert "R6-UNIQUE-MATCH-CORROBORATED" in out.stdout
    assert "Match weights" in out.stdout
    assert "prior" in out.stdout
    rejected = next(r.split(",")[0] for r in rows if ",REJECTED," in r)
    assert "reason codes" in dgw(flow["home"], "explain", batch_id, rejected).stdout


def test_bad_master_file_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "tp.csv").write_text(
        "tin,tin_type,first_name,middle_name,last_name,suffix,birth_date\n12,SSN,A,,B,,\n"
    )
    (tmp_path / "ad.csv").write_text(
        "tin,street,unit,city,state,zip,source,effective_date,tax_year\n"
    )
    out = dgw(
        tmp_path / "home",
        "master",
        "load",
        "--taxpayers",
        str(tmp_path / "tp.csv"),
        "--addresses",
        str(tmp_path / "ad.csv"),
        expect=2,
    )
    assert "tin_malformed" in out.stderr
    assert out.stderr.count("\n") == 1


def test_response_of_an_unknown_batch_exits_2(tmp_path: Path) -> None:
    out = dgw(
        tmp_path / "home", "batch", "response", "NOPE", "--out", str(tmp_path / "r.csv"), expect=2
    )
    assert "no batch" in out.stderr


def test_readme_commands_exist() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for line in readme.splitlines():
        if line.startswith("dgw "):
            words = [
                w
                for w in line.split("#")[0].split()
                if not w.startswith("-") and not w.startswith("./")
            ][1:]
            command = []
            for w in words:
                if w.isupper() or "." in w or "/" in w:
                    break
                command.append(w)
            done = subprocess.run(
                [DGW, *command[:2], "--help"], capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, (line, done.stderr)
