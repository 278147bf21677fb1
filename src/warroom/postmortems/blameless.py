"""The blameless check: finds blame-oriented language in a postmortem and suggests how to reframe
it around systems and processes.

Two kinds of finding:
- phrases that judge people ("human error", "careless", "should have", "at fault", ...), found
  with word boundaries so "default", "fault-tolerant" or "fault injection" are not flagged;
- a person named as the cause: a sentence that names someone (a user's full name, first name or
  @handle) together with a causal verb ("caused", "broke", "because of", "responsible for", ...).
  "Ada rolled back the deploy" names a person but not as the cause, and is fine.

It is advice, not a gate: warnings are shown while editing and returned by the API; publishing
with warnings needs an explicit confirmation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# (pattern, suggestion). Patterns are matched case-insensitively on word boundaries.
PHRASES: tuple[tuple[str, str], ...] = (
    (r"human errors?", "Say which conditions made the mistake easy to make and hard to notice (a missing "
                      "check, an unclear runbook, a confusing tool), and how to change them."),
    (r"operator errors?|user errors?", "Describe what the system allowed, and which guardrail would stop it."),
    (r"careless(?:ly|ness)?|sloppy|lazy|reckless(?:ly|ness)?|incompeten(?:t|ce)|stupid(?:ity)?",
     "Judging people does not prevent a repeat; describe the situation they were in and what the "
     "process or tooling did not provide."),
    (r"negligen(?:t|ce)", "Describe the process gap instead: what should have been checked, by what mechanism."),
    (r"should(?: not|n't)? have", "Hindsight makes the right move look obvious. Say what information or "
                                  "tooling was missing at the time, and what would make the right action the easy one."),
    (r"(?:his|her|their|my|your|our) fault|at fault|(?<![-\w])fault of",
     "Name the weakness in the system or process rather than a person's fault."),
    (r"to blame|blamed?|blaming", "Describe contributing factors rather than who is to blame."),
    (r"forgot(?:ten)? to|failed to (?:notice|check|follow|test|review)|did(?: not|n't) bother|ignored the",
     "Ask why the step was easy to miss: was it manual, undocumented, or without an automatic check?"),
    (r"screwed up|messed up|dropped the ball|mistake by", "Describe the event neutrally and the conditions around it."),
)
CAUSAL = (r"caused|causing|broke|breaking|because of|due to|responsible for|(?:was|were) the cause|"
          r"mistake|error by|fault|triggered by|led to the (?:outage|incident)")
PERSON_SUGGESTION = ("A person is named as the cause. Describe what they did and what the system let "
                     "happen, e.g. \"a config change that passed review disabled the cache\".")
_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]?")
_COMPILED = tuple((re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE), suggestion)
                  for pattern, suggestion in PHRASES)
_CAUSAL_RE = re.compile(rf"(?<![\w-])(?:{CAUSAL})(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    section: str
    phrase: str
    excerpt: str
    suggestion: str


def person_patterns(people: Iterable[tuple[str, str]]) -> list[re.Pattern[str]]:
    """Patterns for (name, handle) pairs: full name, first name (3+ letters), @handle."""
    words: set[str] = set()
    for name, handle in people:
        name = (name or "").strip()
        if name:
            words.add(re.escape(name))
            first = name.split()[0]
            if len(first) >= 3:
                words.add(re.escape(first))
        if handle:
            words.add("@" + re.escape(handle))
    return [re.compile(rf"(?<![\w@]){word}(?!\w)", re.IGNORECASE if word.startswith("@") else 0)
            for word in sorted(words, key=len, reverse=True)]


def check_text(section: str, text: str, people: list[re.Pattern[str]] | None = None) -> list[Finding]:
    findings: list[Finding] = []
    for sentence in (s.strip() for s in _SENTENCE_RE.findall(text or "")):
        if not sentence:
            continue
        for pattern, suggestion in _COMPILED:
            for match in pattern.finditer(sentence):
                findings.append(Finding(section, match.group(0), sentence, suggestion))
        named = next((m.group(0) for p in people or () if (m := p.search(sentence))), None)
        if named and _CAUSAL_RE.search(sentence):
            findings.append(Finding(section, named, sentence, PERSON_SUGGESTION))
    return findings


def check_sections(sections: Iterable[tuple[str, str]], people: Iterable[tuple[str, str]] = ()) -> list[Finding]:
    """Findings for (section name, text) pairs, in order."""
    patterns = person_patterns(people)
    return [finding for section, text in sections for finding in check_text(section, text, patterns)]
