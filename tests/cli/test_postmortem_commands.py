"""warroom postmortem (show, --edit in a real editor process, review, export) and warroom actions,
against a real server."""

from __future__ import annotations

import sys
from datetime import date, timedelta

EDITOR = '''\
import sys
from pathlib import Path
path = Path(sys.argv[1])
text = path.read_text()
text = text.replace("Q: \\nA: \\n", "Q: Why did checkout fail?\\nA: A config change removed the EU merchant id.\\n")
text = text.replace("## What went well\\n", "## What went well\\n- Rollback took two minutes\\n")
text = text.replace("## Where we got lucky\\n", "## Where we got lucky\\n- It was not the sales peak\\n  (Tuesday morning)\\n")
path.write_text(text)
'''


def resolved(cli) -> None:
    assert cli("declare", "Checkout is down", "--sev", "SEV2", "--commander", "me").code == 0
    assert cli("status", "INC-1", "resolved", "--resolution", "Restored the merchant id").code == 0


def test_edit_in_an_editor_review_publish_and_export(cli, tmp_path, monkeypatch):
    resolved(cli)
    shown = cli("postmortem", "INC-1")
    assert shown.code == 0, shown.err
    assert shown.lines[0].startswith("Postmortem of INC-1 · Checkout is down · draft · required · due ")
    assert "— (at least one is needed before review)" in shown.out
    refused = cli("postmortem", "INC-1", "--status", "in_review")
    assert refused.code == 1 and "at least one why" in refused.err

    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    edited = cli("postmortem", "INC-1", "--edit")
    assert edited.code == 0, edited.err
    assert "  1. Why did checkout fail?\n     A config change removed the EU merchant id." in edited.out
    assert "  - Rollback took two minutes" in edited.out
    assert "  - It was not the sales peak (Tuesday morning)" in edited.out

    published = cli("postmortem", "INC-1", "--status", "in_review")
    assert published.code == 0, published.err
    published = cli("postmortem", "INC-1", "--status", "published", "--json")
    assert published.json()["status"] == "published"
    md = cli("postmortem", "INC-1", "--export", "md")
    assert md.code == 0 and md.out.startswith("# Postmortem: INC-1 Checkout is down\n")
    assert "- Rollback took two minutes" in md.out
    assert cli("postmortem", "INC-1", "--export", "pdf").code == 2
    assert cli("status", "INC-1", "closed").code == 0


def test_a_broken_edit_saves_nothing(cli, tmp_path, monkeypatch):
    resolved(cli)
    script = tmp_path / "editor.py"
    script.write_text("import sys\nopen(sys.argv[1], 'a').write('## Lessons\\n- x\\n')\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    broken = cli("postmortem", "INC-1", "--edit")
    assert broken.code == 2 and "unknown heading '## Lessons'" in broken.err
    assert cli("postmortem", "INC-1", "--json").json()["version"] == 1


def test_actions_add_list_mine_overdue_and_close(cli):
    resolved(cli)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    added = cli("actions", "add", "INC-1", "Alert on gateway 403s", "--owner", "me", "--due", "+7d",
                "--type", "detect", "--priority", "high")
    assert added.code == 0, added.err
    assert added.out.startswith("Added action item 1 to INC-1: Alert on gateway 403s · Ada · due ")
    assert cli("actions", "add", "INC-1", "Canary stage", "--owner", "me", "--due", tomorrow).code == 0
    bad = cli("actions", "add", "INC-1", "x", "--owner", "me", "--due", "soon")
    assert bad.code == 2 and "(--due)" in bad.err
    listed = cli("actions", "--mine")
    assert listed.code == 0 and listed.out.index("Canary stage") < listed.out.index("Alert on gateway 403s")
    assert cli("actions", "--overdue").out == "No action items match.\n"
    refused = cli("actions", "wont-do", "1", "--reason", "")
    assert refused.code == 1 and "wont_do_reason" in refused.err
    assert cli("actions", "done", "2").out == "Action item 2 is done: Canary stage\n"
    assert [i["id"] for i in cli("actions", "--status", "open", "--json").json()] == [1]
