"""What `audit`, `runs show` and `score` print: the run, its scale scores and how far they can be trusted."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from psychometrics._format import DASH, coef, count, counts_by, general, interval, missing, num, pct, pvalue, seconds
from psychometrics.cli._common import print_json

if TYPE_CHECKING:
    from rich.console import Console

    from psychometrics.score import AuditScores


def print_run_summary(run_id: str, *, db: str | None, json_: bool, asked: int | None = None,
                      write_report: bool = False, log: Callable[[str], None] | None = None,
                      out: Any = None, n_boot: int = 1000, seed: int = 0, value: str = "value",
                      self_report: str | None = None, timeout: float | None = None) -> None:
    """Score run ``run_id`` and print the summary (rich tables, or JSON with ``json_``).

    JSON: ``{"run": Run, "requests_this_session": int | null, "cut_by_token_budget": int, "timed_out": int,
    "scales": [one row per inventory × scale], "scores": AuditScores}``. With ``write_report`` the HTML report is
    written too. Replies cut by the token budget before an answer and cells that ended in a timeout are counted,
    each with the option that raises the limit (and ``timeout``, the ``--timeout`` used, when the caller knows it).
    """
    import json

    from psychometrics.score import score
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        run = store.get_run(run_id)
        cut = store.cut_by_token_budget(run_id)
        timed_out = store.timed_out(run_id)
    say = log or (lambda line: None)
    say("scoring")
    scores = score(run, db=db, n_boot=n_boot, seed=seed, value=value,
                   **({"self_report": self_report} if self_report else {}))
    if write_report:
        say("writing report")
    report_path = _write_report(run_id, db, scores, out) if write_report else None
    if json_:
        print_json({
            "run": run.model_dump(mode="json"),
            "requests_this_session": asked,
            "cut_by_token_budget": cut,
            "timed_out": timed_out,
            "scales": json.loads(scores.to_frame().to_json(orient="records")),
            "scores": json.loads(scores.to_json()),
            **({"report": str(report_path)} if report_path else {}),
        })
        return
    from rich.console import Console

    console = Console()
    from psychometrics.score import answered_cells, incomplete_note

    # an interview's cells are its answers and its ratings: the stored run counts both
    answered = (answered_cells(run) if run.design.interview is not None
                else sum(scores.run.counts.get(k, 0) for k in ("ok", "refused", "invalid")))
    if run.n_cells and answered < run.n_cells:
        console.print(f"[bold yellow]run {run.status}[/bold yellow]: {incomplete_note(run, answered, db)}",
                      highlight=False)
    print_scores(scores, console=console, run=run, asked=asked)
    if cut:
        # an interview's answers are free text, never cut before an answer: only its ratings are (by the rater budget)
        rated = run.design.interview
        budget, flag = ((rated.rater_settings.max_tokens, "--rater-max-tokens") if rated is not None
                        else (run.design.settings.max_tokens, "--max-tokens"))
        console.print(f"[bold yellow]{cut} generated repl{'y' if cut == 1 else 'ies'} stopped at the token budget "
                      f"(max_tokens {budget}) before an answer[/bold yellow]: raise it with {flag} (a reasoning "
                      "model needs hundreds to thousands of tokens)", highlight=False)
    if timed_out:
        from psychometrics.administer import timeout_hint

        console.print(f"[bold yellow]{timeout_hint(timed_out, timeout)}[/bold yellow]", highlight=False)
    if report_path:
        console.print(f"report: {report_path}")


def _write_report(run_id: str, db: str | None, scores: AuditScores, out: Any = None) -> Any:
    """Write the HTML report of the run into the folder ``out`` (default ``reports/``), reusing ``scores``."""
    from psychometrics.report import write_audit_report

    return write_audit_report(run_id, db=db, scores=scores, out=out)


# -------------------------------------------------------------------------------------------------------------
# rich output


def print_scores(scores: AuditScores, *, console: Console | None = None, run: Any = None,
                 asked: int | None = None) -> None:
    """Print :class:`AuditScores` as rich tables: run, scales, types, reliability, sensitivity, norms, validity."""
    from rich.console import Console

    console = console or Console()
    console.print(scores.readability(), highlight=False, markup=False)
    _header(console, scores, run, asked)
    if not scores.scales:
        console.print("no scales to score")
    else:
        _scales(console, scores)
        _types(console, scores)
        _reliability(console, scores)
        _sensitivity(console, scores)
        _norms(console, scores)
        _validity(console, scores)
        _forms(console, scores)
        _sample_retest(console, scores)
        _interview(console, scores)
    if scores.warnings:
        console.print("[bold yellow]warnings[/bold yellow]")
        for w in scores.warnings:
            console.print(f"  • {w}", markup=False, highlight=False)


def _header(console: Console, s: AuditScores, run: Any, asked: int | None) -> None:
    info = s.run
    counts = ", ".join(f"{info.counts.get(k, 0)} {k}" for k in ("ok", "refused", "invalid", "error"))
    cells = f"{info.n_cells} cells"
    if run is not None and run.n_cells and run.n_cells != info.n_cells:  # stopped early: planned vs asked
        cells = f"{run.n_cells} cells planned, {info.n_cells} asked"
    console.print(f"run [bold]{info.run_id or '-'}[/bold]  model {info.model or '-'}  {cells}: {counts}",
                  highlight=False)
    line = f"mode {info.mode or '-'}"
    if info.answers_by_mode:
        line += f" (answers: {counts_by(info.answers_by_mode)})"
    if run is not None:
        line += f", wall {run.wall_s:.1f} s"  # every session's time, summed (see Run.wall_s)
        if run.finished_at is not None and run.finished_at >= run.created_at:
            line += f", time to result {seconds(run.finished_at - run.created_at)}"
        line += f", cost ${run.cost_usd:.4f}"
    if asked is not None:
        line += f", {asked} requests this session"
    console.print(line, highlight=False)
    personas = [p or "-" for p in info.personas]
    console.print(
        f"{info.n_respondents} respondents ({info.respondent})"
        + (f" (effective n {info.n_effective}: the rest repeat another sample)"
           if info.n_effective is not None and info.n_effective < info.n_respondents else "")
        + f": templates {', '.join(info.templates) or '-'}; "
        f"orders {', '.join(info.orders) or '-'}; {count(len(info.samples), 'sample')}; personas {', '.join(personas) or '-'}",
        highlight=False, markup=False,
    )


def _scales(console: Console, s: AuditScores) -> None:

    show_trait = any(r.trait and r.trait != r.scale for r in s.scales)
    cols = ["scale", *(["trait"] if show_trait else []), "mean", "95% CI", "sd", "n", "items", "range", "note"]
    table = _table(*cols, title="Scale scores across respondents")
    rows = _Grouped(table)
    notes = _Notes()
    for r in s.scales:
        note = notes.ref(_join(r.reason, r.warning))
        if r.interpretable is False:
            note = _join("[bold red]✗ unreadable[/bold red] " + notes.ref("; ".join(r.interpretability_reasons)),
                         note)
        elif r.interpretable is None:
            note = _join("[bold yellow]? uncertain[/bold yellow] " + notes.ref("; ".join(r.interpretability_reasons)),
                         note)
        if r.high_choice_percent is not None and not missing(r.high_choice_percent):
            note = _join(note, f"{num(r.high_choice_percent, 1)}% high choices")
        if r.letter:
            note = _join(note, f"letter {r.letter}")
        rows.add(r.inventory, r.scale, *([r.trait or ""] if show_trait else []), num(r.mean),
                      interval(r.ci_low, r.ci_high, empty=DASH), num(r.sd), str(r.n), str(r.n_items),
                      f"{general(r.score_min)}–{general(r.score_max)}", note)
    console.print(table)
    notes.print(console)


def _types(console: Console, s: AuditScores) -> None:
    for t in s.types:
        top = ", ".join(f"{code} {n}" for code, n in list(t.distribution.items())[:6]) or "—"
        dims = ", ".join(f"{k} {num(v)} ({t.dimension_letters.get(k) or '—'})" for k, v in t.dimension_means.items())
        console.print(f"[bold]{t.inventory}[/bold] types over {t.n} respondents: {top}; mean profile "
                      f"{t.mean_type or '—'} ({dims})" + (f"; {t.reason}" if t.reason else ""), highlight=False)


def _reliability(console: Console, s: AuditScores) -> None:

    table = _table("scale", "α", "95% CI", "λ6", "ω", "split-half", "n", "items", "note",
                   title="Reliability across respondents (listwise)")
    rows = _Grouped(table)
    notes = _Notes()
    for r in s.reliability:
        reasons = dict.fromkeys(e.reason for e in (r.alpha, r.lambda6, r.omega, r.split_half) if e.reason)
        note = " ".join(notes.ref(x) for x in ([r.reason] if r.reason else list(reasons)) + r.notes)
        rows.add(r.inventory, r.scale, num(r.alpha.value), interval(r.alpha.ci_low, r.alpha.ci_high, empty=DASH),
                      num(r.lambda6.value), num(r.omega.value), num(r.split_half.value), str(r.n), str(r.n_items), note)
    console.print(table)
    notes.print(console)


def _sensitivity(console: Console, s: AuditScores) -> None:

    order = _table("scale", "shift", "MAD", "p", "r_rb", "keyed shift", "p (keyed)",
                   title="Option order: reversed − original (shift and MAD in scale points)")
    prompt = _table("scale", "template range", "p", "W / ε²", "refused", "verdict",
                    title="Templates (keyed values), refusals and verdict")
    order_rows, prompt_rows = _Grouped(order), _Grouped(prompt)
    for r in s.sensitivity:
        refused = next((x for x in r.response_rates if x.status == "refused"), None)
        ref = pct(refused.rate) if refused is not None else DASH
        style = {"robust": "green", "order-sensitive": "red", "prompt-sensitive": "red", "unstable": "red",
                 "inconclusive": "yellow",
                 "mostly refused": "yellow", "not enough data": "yellow"}[r.verdict]
        order_rows.add(r.inventory, r.scale, num(r.order.mean_difference), num(r.order.mad), pvalue(r.order.p),
                      num(r.order.rank_biserial), num(r.order_keyed.mean_difference), pvalue(r.order_keyed.p))
        prompt_rows.add(r.inventory, r.scale, num(r.prompt.score_range), pvalue(r.prompt.p), num(r.prompt.effect_size), ref,
                       f"[{style}]{r.verdict}[/{style}]")
    console.print(order)
    console.print(prompt)
    th = s.thresholds
    console.print(
        f"verdicts: order-/prompt-sensitive when the shift (template range) is ≥ "
        f"{general(100 * th.get('order_shift_min', math.nan))}% ({general(100 * th.get('prompt_range_min', math.nan))}%) of "
        f"the response range and p < {pvalue(th.get('significance', math.nan))} both across items and across "
        f"respondents; unstable when both; mostly refused at ≥ {general(100 * th.get('mostly_refused', math.nan))}% "
        "refusals",
        highlight=False, markup=False,
    )


def _norms(console: Console, s: AuditScores) -> None:

    with_norms = [n for n in s.norms if n.comparison is not None]
    if not with_norms:
        console.print("norms: no human norms in the inventory files for these scales", highlight=False)
        return
    table = _table("scale", "model mean", "norm mean (sd, n)", "z", "pctile", "p (t)", "src",
                   title="Against human norms (one-sample t of the respondents' scores against the norm mean)")
    rows = _Grouped(table)
    sources: list[str] = []
    for n in with_norms:
        c = n.comparison
        assert c is not None
        if n.source and n.source not in sources:
            sources.append(n.source)
        mark = f"[{sources.index(n.source) + 1}]" if n.source else "-"
        rows.add(n.inventory, n.scale, num(c.model_mean), f"{num(c.norm_mean)} ({num(c.norm_sd)}"
                      + (f", {n.norm_n:,})" if n.norm_n else ")"), num(c.z),
                      num(c.percentile, 1), pvalue(c.p), mark)
    console.print(table)
    for i, source in enumerate(sources, 1):  # one per distinct source: a long citation would wreck the table
        console.print(f"  [{i}] {' '.join(source.split())}", highlight=False, markup=False)
    missing = [f"{n.inventory}:{n.scale}" for n in s.norms if n.comparison is None]
    if missing:
        console.print(f"no norms for {', '.join(missing)}", highlight=False)


def _validity(console: Console, s: AuditScores) -> None:
    v = s.validity
    if v.mtmm:
        criteria = f"convergent r ≥ {coef(v.mtmm[0].convergent_min)}, Δ ≥ {coef(v.mtmm[0].discriminant_min)}"
        table = _table("trait", "r (pooled)", "r within orders", "Δ", "verdict", "n", "note",
                       title=f"Validity: multitrait-multimethod ({criteria}; pass only within every option order "
                             "and with readable scales)", wrap=("r within orders", "verdict"))
        rows = _Grouped(table)
        notes = _Notes()
        for pair in v.mtmm:
            methods = f"{pair.method_a} × {pair.method_b}"
            if not pair.rows:
                rows.add(methods, "—", "—", "", "—", "", str(pair.n), notes.ref(pair.reason))
            for r in pair.rows:
                within = ", ".join(f"{o} {num(x)}" for o, x in r.within_orders.items()) or DASH
                colour = {"pass": "green", "fail": "red"}.get(r.verdict, "yellow")
                rows.add(methods, r.trait, num(r.convergent_r), within, num(r.discriminant_delta),
                              f"[{colour}]{r.verdict}[/{colour}]", str(r.n),
                              notes.ref(_join(r.verdict_reason, r.reason or pair.reason)))
        console.print(table)
        notes.print(console)
        console.print(f"  respondents matched: {v.mtmm[0].matching}", markup=False, highlight=False)
        console.print(f"  r (pooled) is a separate check {v.mtmm[0].scope}: the option order alone can produce it",
                      markup=False, highlight=False)
    else:
        console.print(f"MTMM: {v.reason}", highlight=False)
    if v.efa:
        table = _table("inventory", "factors", "n", "items", "KMO", "Bartlett p", "congruence φ", "note",
                       title="Validity: exploratory factor analysis (oblimin, minres)")
        notes = _Notes()
        for e in v.efa:
            phis = ", ".join(f"{c.scale} {num(c.phi)}" for c in e.congruence)
            table.add_row(e.inventory, str(e.n_factors), str(e.n), str(e.n_items), num(e.kmo), pvalue(e.bartlett_p),
                          phis or "—", notes.ref(e.reason or e.warning))
        console.print(table)
        notes.print(console)


def _forms(console: Console, s: AuditScores) -> None:
    for pair in s.forms:
        # one table per pair of forms: the pair in the title leaves the columns room for the scale names at 80
        table = _table("scale", "r", "95% CI", "shift", "p", "n", "verdict", "note",
                       title=f"Consistency across forms: {pair.original} × {pair.form} "
                             f"(parallel-forms r; shift form − original)")
        notes = _Notes()
        for sc in pair.scales:
            r, d = sc.reliability, sc.shift
            table.add_row(sc.scale, coef(r.value), interval(r.ci_low, r.ci_high, apa=True),
                          num(d.diff, signed=True), pvalue(d.p), str(r.n), sc.verdict,
                          notes.ref("; ".join(sc.verdict_reasons) or r.reason or d.reason))
        console.print(table)
        notes.print(console)
        lines = [pair.note] if pair.note else []
        if pair.items is not None:
            items = pair.items.to_frame()
            lines.append(f"{pct(items['identical'].mean())} identical answers per item on average, mean absolute "
                         f"difference {num(items['mad'].mean())} points")
        elif pair.reason:
            lines.append(pair.reason)
        for line in lines:
            console.print(f"  {line}", markup=False, highlight=False)


def _sample_retest(console: Console, s: AuditScores) -> None:
    if not s.sample_retest:
        return
    table = _table("scale", "samples", "ICC(2,1)", "95% CI", "ICC(3,1)", "95% CI", "n", "note",
                   title="Stability across repeated samples (ICC across samples)")
    rows = _Grouped(table)
    notes = _Notes()
    for row in s.sample_retest:
        a, c = row.agreement, row.consistency
        rows.add(row.inventory, row.scale, str(row.n_samples), coef(a.value),
                      interval(a.ci_low, a.ci_high, apa=True), coef(c.value), interval(c.ci_low, c.ci_high, apa=True),
                      str(a.n), notes.ref(a.reason or a.warning))
    console.print(table)
    notes.print(console)


def _interview(console: Console, s: AuditScores) -> None:
    iv = s.interview
    if iv is None:
        return
    raters = _table("rater", "ratings", "read", "refused", "invalid", "error", "mean", title="Raters")
    for r in iv.rater_counts:
        raters.add_row(r.rater, str(r.n), *(str(r.counts.get(k, 0)) for k in ("ok", "refused", "invalid", "error")),
                       num(r.mean))
    console.print(raters)
    refused = f", {iv.n_refused} refused (not rated)" if iv.n_refused else ""
    console.print(f"{iv.n_answers} answers stored{refused}, {iv.n_rated} rated on the scale", highlight=False)
    if iv.reliability:
        table = _table("scale", "between", "ICC(2,1)", "95% CI", "ICC(2,k)", "95% CI", "n", "note",
                       title="Inter-rater reliability (answers rated by every rater, or on every repeat)")
        notes = _Notes()
        for row in iv.reliability:
            a, k = row.single, row.average
            who = "raters" if row.kind == "between" else f"repeats of {row.raters[0]}"
            table.add_row(row.scale, who, coef(a.value), interval(a.ci_low, a.ci_high, apa=True),
                          coef(k.value), interval(k.ci_low, k.ci_high, apa=True), str(row.n),
                          notes.ref(a.reason or a.warning))
        console.print(table)
        notes.print(console)
    else:
        console.print(f"inter-rater reliability: {iv.reliability_reason}", highlight=False, markup=False)
    if iv.self_report:
        table = _table("scale", "interview", "self", "r", "95% CI", "diff", "95% CI", "n", "note", title=f"Interview vs self-report (run {iv.self_report_run}; respondents matched on "
                       f"{iv.respondent})")
        notes = _Notes()
        for row in iv.self_report:
            r, d = row.correlation, row.difference
            table.add_row(row.scale, num(row.interview_mean), num(row.self_report_mean), coef(r.value),
                          interval(r.ci_low, r.ci_high, apa=True), num(d.diff, signed=True),
                          interval(d.ci_low, d.ci_high, signed=True),
                          str(r.n) if r.n or not hasattr(d, "n_a") else f"{d.n_a}+{d.n_b}",  # unpaired: both runs
                          notes.ref(r.reason or d.reason))
        console.print(table)
        notes.print(console)
    else:
        console.print(f"interview vs self-report: {iv.self_report_reason}", highlight=False, markup=False)


# -------------------------------------------------------------------------------------------------------------
# formatting


def _table(*columns: str, title: str, wrap: tuple[str, ...] = ()) -> Any:
    """A compact rich table (no outer box, so it fits an 80-column terminal). Names (and the columns in ``wrap``)
    wrap; numbers never do."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  padding=(0, 0), title_justify="left", title_style="bold")
    for name in columns:
        # Prose and model names wrap first; scale names and run ids keep their width while anything else can give
        # (rich shrinks only wrapping columns until all of them are equally narrow), and fold rather than lose
        # their end to "…" when nothing else can; numbers never wrap.
        if name in IDENTIFIERS:
            table.add_column(name, no_wrap=True, overflow="fold")
        else:
            wraps = name in ("inventory", "note", "methods", "source", "model", "verdicts", *wrap)
            table.add_column(name, no_wrap=not wraps, overflow="fold" if wraps else "ellipsis")
    return table


IDENTIFIERS = ("scale", "trait", "run", "run id", "id")
"""Columns of names a user copies (a scale, a run id): never cut, and wrapped only as the last resort."""


class _Grouped:
    """Rows under a heading row per group (the inventory, a pair of methods) instead of a column repeating it on
    every row: in 80 columns the room goes to the names and numbers."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.last: str | None = None

    def add(self, group: str, *cells: Any) -> None:
        from rich.markup import escape

        if group != self.last:
            self.table.add_row(f"[bold]{escape(group)}[/bold]", *[""] * (len(cells) - 1))
            self.last = group
        self.table.add_row(*cells)


class _Notes:
    """Footnotes: long reasons are printed once below a table and referred to as [1], [2], …"""

    def __init__(self) -> None:
        self.texts: dict[str, int] = {}

    def ref(self, text: str | None) -> str:
        if not text:
            return ""
        return f"[{self.texts.setdefault(text, len(self.texts) + 1)}]"

    def print(self, console: Console) -> None:
        for text, n in self.texts.items():
            console.print(f"  [{n}] {text}", markup=False, highlight=False)


def _join(*parts: str | None) -> str:
    return "; ".join(p for p in parts if p)
