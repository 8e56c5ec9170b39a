"""`psychometrics inventories …`: list, show, validate and import instruments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from psychometrics._format import DASH, general
from psychometrics.cli._common import handle_errors, print_json

app = typer.Typer(help="List, show, validate and import inventories.", no_args_is_help=True, rich_markup_mode=None)


def _summary(inv) -> dict:
    return {
        "id": inv.id,
        "name": inv.name,
        "kind": inv.kind,
        "n_items": len(inv.items),
        "scales": [s.id for s in inv.scales],
        "license": inv.license,
        "citation": inv.citation,
        "language": inv.language,
        "parallel_to": inv.parallel_to,
        "relation": inv.relation,
    }


def _form_of(inv) -> str:
    """`, paraphrase of ipip50` for a parallel form, else nothing."""
    return f", {inv.relation} of {inv.original_id}" if inv.parallel_to else ""


@app.command("list")
@handle_errors
def list_(json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the shipped inventories."""
    from psychometrics.inventory import list_inventories

    invs = list_inventories()
    if json_:
        print_json([_summary(inv) for inv in invs])
        return
    from rich.console import Console
    from rich.markup import escape

    from psychometrics.cli._summary import _table

    table = _table("inventory", "kind", "items", "scales", title="Shipped inventories (the id first; the license "
                   "in full: psychometrics inventories show ID)", wrap=("scales",))
    for inv in invs:
        table.add_row(f"[bold]{escape(inv.id)}[/bold]\n{escape(inv.name)}\n[dim]{escape(_first_sentence(inv.license))}[/dim]",
                      inv.kind, str(len(inv.items)), ", ".join(s.id for s in inv.scales))
        table.add_row("", "", "", "")
    Console().print(table)


def _first_sentence(text: str) -> str:
    """The license's first sentence, whole (the table wraps it; `inventories show` prints all of it); a period
    after an initial ("Oliver P. John") does not end it."""
    import re

    text = " ".join(text.split())
    end = re.search(r"(?<=[a-z)]{2})\. ", text)
    return text if end is None else text[: end.start() + 1]


@app.command("show")
@handle_errors
def show(
    inventory: Annotated[str, typer.Argument(help="A shipped id (e.g. bfi44) or a path to a YAML file.")],
    json_: Annotated[bool, typer.Option("--json", help="Print the whole inventory as JSON.")] = False,
) -> None:
    """Show one inventory: its scales, keying and items."""
    from psychometrics.inventory import load_inventory

    inv = load_inventory(inventory)
    if json_:
        print_json(inv.model_dump(mode="json"))
        return
    from rich.console import Console
    from rich.markup import escape

    console = Console()
    console.print(f"[bold]{escape(inv.name)}[/bold] ({inv.id}, {inv.kind}, {len(inv.items)} items"
                  f"{escape(_form_of(inv))})")
    console.print(f"Citation: {escape(inv.citation)}")
    console.print(f"License: {escape(inv.license)}")
    if inv.response_options:
        console.print("Responses: " + ", ".join(f"{o.value} {escape(o.label)}" for o in inv.response_options))
    from psychometrics.cli._summary import _table

    scales = _table("scale", "name", "items", "reverse-keyed", "norms", title="Scales",
                    wrap=("name", "reverse-keyed", "norms"))
    for s in inv.scales:
        its = inv.items_of(s.id)
        rev = [it.id for it in its if getattr(it, "reverse", False)]
        norms = f"M {general(s.norms.mean)}, SD {general(s.norms.sd)}" if s.norms else DASH
        scales.add_row(s.id, escape(s.name), str(len(its)), ", ".join(rev) or "—", norms)
    console.print(scales)
    items = _table("id", "scale", "item", "key", title="Items", wrap=("item",))
    for it in inv.items:
        text = getattr(it, "text", None) or (
            f"{it.left}  ↔  {it.right}" if hasattr(it, "left") else f"{it.situation} {it.question}"
        )
        items.add_row(it.id, it.scale, escape(text), "−" if getattr(it, "reverse", False) else "+")
    console.print(items)


@app.command("validate")
@handle_errors
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Inventory YAML files to check.")],
) -> None:
    """Check inventory files; print `PATH:LINE: message` for every problem (exit 1 if any)."""
    from psychometrics._yamlfile import DataFileError
    from psychometrics.inventory import load_inventory

    bad = 0
    for path in paths:
        if not path.is_file():
            typer.echo(f"{path}: no such file", err=True)
            bad += 1
            continue
        try:
            inv = load_inventory(path)
        except DataFileError as exc:
            bad += 1
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
        else:
            typer.echo(f"{path}: ok ({inv.id}, {len(inv.items)} items, {len(inv.scales)} scales{_form_of(inv)})")
    if bad:
        raise typer.Exit(code=1)


@app.command("import-trait")
@handle_errors
def import_trait(
    src: Annotated[Path, typer.Argument(help="TRAIT JSON file, per-trait JSONL file, or a folder of them.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the inventory YAML.")],
    inventory_id: Annotated[str, typer.Option("--id", help="Id of the new inventory.")] = "trait",
) -> None:
    """Convert the TRAIT data set (gated, not shipped) into an inventory file."""
    from psychometrics.inventory import import_trait as run_import, write_inventory_yaml

    if not src.exists():
        raise FileNotFoundError(f"{src}: no such file or folder")
    if not out.parent.is_dir():
        raise FileNotFoundError(f"{out.parent}: the output folder does not exist")
    inv = run_import(src, inventory_id=inventory_id)
    write_inventory_yaml(inv, out)
    typer.echo(f"{out}: wrote {len(inv.items)} items on {len(inv.scales)} scales")
