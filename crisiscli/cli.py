"""The Click face of crisiscli: options, commands, streams and exit codes; no business rules.

Exit codes: 0 ok; 1 unexpected error; 2 usage error (including an unknown country); 3 nothing
matched; 4 network or download failure; 5 verification or validation failure.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import click

from . import __version__, render
from .config import Config, load_config
from .errors import EXIT_UNEXPECTED, EXIT_USAGE, CrisisError, UsageProblem

if TYPE_CHECKING:
    from datetime import date, datetime

FORMATS = ("table", "plain", "json", "csv")
ALIASES = {"hotlines": "lines"}
# name -> "module:attribute"; a command's module is imported only when that command runs,
# so a lookup never pays for update, plan or the guide.
COMMANDS = {
    "lines": "crisiscli.commands.lines:lines_cmd",
    "countries": "crisiscli.commands.lines:countries_cmd",
    "data": "crisiscli.commands.data:data_group",
    "update": "crisiscli.commands.update:update_cmd",
    "now": "crisiscli.commands.now:now_cmd",
    "about": "crisiscli.commands.guide:about_cmd",
    "coping": "crisiscli.commands.guide:coping_cmd",
    "plan": "crisiscli.commands.plan:plan_group",
    "where": "crisiscli.commands.where:where_cmd",
    "search": "crisiscli.commands.search:search_cmd",
    "report": "crisiscli.commands.report:report_cmd",
}
EXIT_CODES_HELP = ("Exit codes: 0 ok; 1 unexpected error; 2 usage error or unknown country; "
                   "3 nothing matched; 4 network failure; 5 verification or validation failure.")


class App:
    """Per-run state a command needs: settings, the screen, the dataset and the detected country."""

    def __init__(self, fmt: str | None, quiet: bool, color: str | None, env: Mapping[str, str]) -> None:
        self.env = env
        self.config = load_config(env)
        chosen = fmt or self.config.format
        if chosen is not None and chosen.lower() not in FORMATS:
            raise UsageProblem(f"format {chosen!r} in {self.config.path} is not one of {', '.join(FORMATS)}")
        self.format_given = chosen is not None
        self.format = (chosen or "table").lower()
        color_choice = color or self.config.color
        self.screen = render.Screen(
            out=sys.stdout, err=sys.stderr, pager=click.echo_via_pager,
            color=render.decide_color(color_choice, env, sys.stdout.isatty()),
            quiet=quiet or self.config.quiet,
        )
        self._dataset: Any = None
        self._detected: Any = None

    @property
    def dataset(self) -> Any:
        """The active dataset; skipped files and stale data are reported on stderr once."""
        if self._dataset is None:
            from .dataset import load_active

            self._dataset = load_active(self.env)
            for warning in self._dataset.warnings:
                self.screen.talk(f"crisiscli: {warning}")
            age = self._dataset.age_days(self.today())
            if age is not None and age > self.config.stale_after_days:
                self.screen.talk(f"crisiscli: this crisis-line data is {age} days old "
                                 f"(from {self._dataset.info.generated_at}); numbers may have changed. "
                                 "Run `crisiscli update` to get newer data.")
        return self._dataset

    def reload_dataset(self) -> None:
        """Forget the loaded dataset, so the next use reads what is active now (after update)."""
        self._dataset = None

    def detected(self) -> Any:
        if self._detected is None:
            from .detect import detect

            self._detected = detect(self.env, self.config)
        return self._detected

    def today(self) -> date:
        """Today (CRISISCLI_NOW pins it for tests)."""
        from .clock import today

        return today(self.env)

    def now(self) -> datetime:
        """The current instant, for opening hours (CRISISCLI_NOW pins it for tests)."""
        from .clock import now

        return now(self.env)

    def dataset_meta(self) -> dict[str, Any]:
        info = self.dataset.info
        return {"version": info.dataset_version, "generated_at": info.generated_at,
                "age_days": self.dataset.age_days(self.today()), "origin": info.origin}

    def update_state(self) -> dict[str, Any]:
        """What the last update recorded (key id, source, last check); None before any update."""
        from .config import data_dir
        from .store import read_state

        state = read_state(data_dir(self.env))
        updated = self.dataset.info.origin != "bundled"
        return {"key_id": state.get("key_id") if updated else None, "source_url": state.get("source_url"),
                "last_check": state.get("checked_at")}

    @property
    def human(self) -> bool:
        return self.format in ("table",) or (self.format == "plain" and self.screen.out.isatty())

    def footer(self, country: Any = None) -> str:
        return help_footer(self, country)


_CURRENT: list[App] = []


def remember(app: App) -> None:
    """Make `app` the one errors and help screens of this run use (its format, its country)."""
    _CURRENT.append(app)


def current_app() -> App | None:
    return _CURRENT[-1] if _CURRENT else None


def help_footer(app: App | None, country: Any = None) -> str:
    """The footer for the user's country; it must work even when config or data are broken."""
    from .dataset import load_active
    from .query import help_line

    width = app.screen.width if app else render.terminal_width()
    fallback_url = None
    try:
        dataset = app.dataset if app else load_active()
        fallback_url = dataset.fallback.get("url")
        if country is None:
            try:
                env = app.env if app else os.environ
                from .detect import detect

                config = app.config if app else Config(path="")
                code = detect(env, config).iso2
            except CrisisError:
                code = None
            country = dataset.country(code) if code else None
        return render.footer(country, help_line(country) if country else None, fallback_url, width)
    except Exception:  # the footer must never be the thing that fails
        return render.footer(None, None, fallback_url, width)


class CountryText(click.ParamType):
    """A country as typed; resolved by the core (so errors get suggestions), completed here."""

    name = "country"

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        from .countries import all_countries, fold

        typed = fold(incomplete)
        items = []
        for c in all_countries():
            if c.iso2.lower().startswith(typed):
                items.append(CompletionItem(c.iso2, help=c.name))
            elif typed and fold(c.name).startswith(typed):
                items.append(CompletionItem(c.name, help=c.iso2))
        return items


COUNTRY = CountryText()


def complete_ids(kind: str) -> Callable[[click.Context, click.Parameter, str], list[Any]]:
    """Completion for topic ("about") or strategy ("coping") ids."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        from . import guide

        items = guide.topics() if kind == "about" else guide.strategies()
        return [CompletionItem(i.id, help=getattr(i, "title", None) or getattr(i, "name", ""))
                for i in items if i.id.startswith(incomplete)]

    return complete


def output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--format/--json/-q/--color on every command, after its name, building the App."""

    @click.option("--format", "-f", "fmt", type=click.Choice(FORMATS, case_sensitive=False),
                  default=None, help="Output format (default: table; scripts: json).")
    @click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
    @click.option("-q", "--quiet", is_flag=True, help="No notices on stderr (errors still show).")
    @click.option("--color", type=click.Choice(["auto", "always", "never"]), default=None,
                  help="Colour (default auto: only on a terminal, never with NO_COLOR).")
    @functools.wraps(func)
    def wrapper(fmt: str | None, as_json: bool, quiet: bool, color: str | None, **kwargs: Any) -> Any:
        app = App("json" if as_json else fmt, quiet, color, os.environ)
        remember(app)
        return func(app, **kwargs)

    return wrapper


class CrisisCommand(click.Command):
    """A command whose help screen ends with the help footer."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        formatter.write("\n" + help_footer(current_app()) + "\n")


class CrisisSubGroup(click.Group):
    """A command family (data, plan): its help ends with the footer too."""

    command_class = CrisisCommand

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        formatter.write("\n" + help_footer(current_app()) + "\n")


class CrisisGroup(CrisisSubGroup):
    """The top-level group: commands loaded on demand, and aliases (hotlines -> lines)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(ALIASES.get(cmd_name, cmd_name))
        if target is None:
            return None
        import importlib

        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    try:
        from .dataset import load_active

        info = load_active().info
        data = f"dataset {info.dataset_version} ({info.generated_at}, {info.origin})"
    except CrisisError as exc:
        data = f"dataset unreadable: {exc.message}"
    click.echo(render.safe_text(f"crisiscli {__version__}, {data}"))
    ctx.exit(0)


@click.group(cls=CrisisGroup, invoke_without_command=True,
             epilog=EXIT_CODES_HELP + "\n\nData: every number lists its source and the date it was checked.")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the tool and dataset versions.")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Crisis lines, emergency numbers and what helps, offline.

    \b
    Examples:
      crisiscli now              help right now: emergency number, 24/7 lines, one step
      crisiscli lines            lines for your country (detected and announced)
      crisiscli lines uk         lines for a country, by code or name
      crisiscli lines FR --json  the same facts for scripts
      crisiscli about            what self-harm is, and how to help
      crisiscli coping --random  one thing to do instead, right now
      crisiscli countries        which countries have data
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


# --- running and failing ----------------------------------------------------------------------

def _wants_json(argv: list[str]) -> bool:
    """Before options are parsed (a usage error), guess the format from argv."""
    for i, arg in enumerate(argv):
        if arg == "--json" or arg in ("--format=json", "-fjson"):
            return True
        if arg in ("--format", "-f") and i + 1 < len(argv) and argv[i + 1].lower() == "json":
            return True
    return False


def _fail(message: str, code: int, error_code: str, suggestions: tuple[str, ...], argv: list[str],
          command: str) -> int:
    app = current_app()
    json_mode = app.format == "json" if app else _wants_json(argv)
    if json_mode:
        envelope = render.envelope(command, None, None, None,
                                   error={"code": error_code, "message": render.safe_text(message),
                                          "suggestions": [render.safe_text(s) for s in suggestions]})
        sys.stdout.write(envelope + "\n")
    err = sys.stderr
    err.write(render.safe_text(f"crisiscli: {message}", multiline=True) + "\n")
    if not json_mode:
        err.write("\n" + help_footer(app) + "\n")
    err.flush()
    return code


def _harden_streams() -> None:
    """A terminal that cannot show a character gets '?' instead of a crash."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


def main(args: list[str] | None = None, prog_name: str = "crisiscli") -> None:
    """Console-script entry point: run, and turn every failure into a message and an exit code."""
    _harden_streams()
    argv = list(sys.argv[1:] if args is None else args)
    command = next((ALIASES.get(a, a) for a in argv if not a.startswith("-")), "crisiscli")
    try:
        result = cli.main(args=argv, prog_name=prog_name, standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except CrisisError as exc:
        code = _fail(exc.message, exc.exit_code, exc.code, exc.suggestions, argv, command)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else "")
        code = 0
    except click.UsageError as exc:
        hint = f"\nRun `crisiscli {command} --help` for usage." if command != "crisiscli" else \
            "\nRun `crisiscli --help` for usage."
        code = _fail(exc.format_message() + hint, EXIT_USAGE, "usage", (), argv, command)
    except click.ClickException as exc:
        code = _fail(exc.format_message(), exc.exit_code, "error", (), argv, command)
    except (click.Abort, KeyboardInterrupt):
        sys.stderr.write("\nStopped.\n")
        code = 130
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = EXIT_UNEXPECTED
    except Exception as exc:  # the last line of defence: a message, never a traceback
        if os.environ.get("CRISISCLI_DEBUG"):
            raise
        code = _fail(f"unexpected error ({type(exc).__name__}: {exc}); set CRISISCLI_DEBUG=1 for details "
                     "and please report it", EXIT_UNEXPECTED, "unexpected", (), argv, command)
    sys.exit(code)
