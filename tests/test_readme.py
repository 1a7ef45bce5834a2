"""The README's Python example runs as written and learns."""

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_example_runs_and_learns(capsys):
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["tr"].history.test_accuracy.iloc[-1] >= 0.95
    assert "train_loss" in capsys.readouterr().out
