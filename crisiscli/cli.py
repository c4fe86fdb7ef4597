"""The Click face of crisiscli: options, commands, streams and exit codes; no business rules.

Exit codes: 0 ok; 1 unexpected error; 2 usage error (including an unknown country); 3 nothing
matched; 4 network or download failure; 5 verification or validation failure.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from . import __version__, render
from .config import COLORS, FORMATS, Config, load_config
from .errors import EXIT_UNEXPECTED, EXIT_USAGE, CrisisError

if TYPE_CHECKING:
    from datetime import date, datetime

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
    "mcp": "crisiscli.commands.mcp:mcp_cmd",
    "report": "crisiscli.commands.report:report_cmd",
}
# What `crisiscli --help` lists, so the list needs no command module imported (tests/test_docs.py
# checks each against the command's own docstring).
SHORT_HELP = {
    "about": "What self-harm is, why it happens, how to help: short, sourced topics.",
    "coping": "Things to do instead, right now or over time: steps, evidence and sources.",
    "countries": "Countries in the dataset: code, name, emergency number, number of lines.",
    "data": "Inspect and check the crisis-line dataset.",
    "lines": "Crisis lines and emergency numbers (alias: hotlines).",
    "mcp": "Serve verified crisis lines to AI assistants (MCP over stdio).",
    "now": "The emergency number, the 24/7 lines and one thing to try right now.",
    "plan": "Your safety plan: your own words for hard moments, kept only on this computer.",
    "search": "Search every country's lines by name, operator, topic, audience, language or number.",
    "update": "Download, verify and install newer crisis-line data.",
    "where": "The country crisiscli uses when you name none, why, and how to change it.",
    "report": "Print a ready-to-send report about a wrong or dead number (sends nothing).",
}
EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 unexpected error; 2 usage error or unknown country; "
    "3 nothing matched; 4 network failure; 5 verification or validation failure."
)


class App:
    """Per-run state a command needs: settings, the screen, the dataset and the detected country."""

    def __init__(self, fmt: str | None, quiet: bool, color: str | None, env: Mapping[str, str]) -> None:
        self.env = env
        self.config = load_config(env)
        chosen = fmt or self.config.format
        self.format_given = chosen is not None
        self.format = (chosen or "table").lower()
        color_choice = color or self.config.color
        self.screen = render.Screen(
            out=sys.stdout,
            err=sys.stderr,
            pager=click.echo_via_pager,
            color=render.decide_color(color_choice, env, sys.stdout.isatty()),
            quiet=quiet or self.config.quiet,
        )
        for warning in self.config.warnings:
            self.screen.error(f"crisiscli: {warning}")
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
                self.screen.talk(
                    f"crisiscli: this crisis-line data is {age} days old "
                    f"(from {self._dataset.info.generated_at}); numbers may have changed. "
                    "Run `crisiscli update` to get newer data."
                )
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
        return {
            "version": info.dataset_version,
            "generated_at": info.generated_at,
            "age_days": self.dataset.age_days(self.today()),
            "origin": info.origin,
        }

    def update_state(self) -> dict[str, Any]:
        """What the last update recorded (key id, source, last check); None before any update."""
        from .config import data_dir
        from .store import read_state

        state = read_state(data_dir(self.env))
        updated = self.dataset.info.origin != "bundled"
        return {
            "key_id": state.get("key_id") if updated else None,
            "source_url": state.get("source_url"),
            "last_check": state.get("checked_at"),
        }

    def emit(
        self,
        command: str,
        data: Any,
        *,
        human: Callable[[], str] | None = None,
        rows: Callable[[], Sequence[Mapping[str, Any]]] | None = None,
        records: Callable[[str], str] | None = None,
        country: Any = None,
        country_source: str | None = None,
        warnings: Sequence[str] = (),
        error: Mapping[str, Any] | None = None,
        with_dataset: bool = True,
        footer: bool = True,
        page: bool = False,
    ) -> None:
        """The one place that turns a command's result into its format: the JSON envelope,
        plain or CSV records (`rows`, or `records(fmt)` for a command with its own columns), or
        the screen (`human()`) followed by the help footer for `country`. Commands hand over the
        result; they never branch on the format themselves."""
        if self.format == "json":
            meta = self.dataset_meta() if with_dataset else None
            data = data() if callable(data) else data  # built only when JSON is asked for
            self.screen.data(
                render.envelope(command, data, meta, country_source, warnings, error, pretty=self.screen.out.isatty())
            )
            return
        if self.format in ("plain", "csv") and (rows is not None or records is not None):
            text = records(self.format) if records is not None else render.records(rows(), self.format)  # type: ignore[misc]
            if text:
                self.screen.data(text)
            if self.format == "plain" and self.human and footer:
                self.screen.data(self.footer(country))
            return
        body = human() if human is not None else ""
        if footer:
            body = f"{body}\n\n{self.footer(country)}" if body else self.footer(country)
        (self.screen.page if page else self.screen.data)(body)

    @property
    def human(self) -> bool:
        return self.format in ("table",) or (self.format == "plain" and self.screen.out.isatty())

    def footer(self, country: Any = None) -> str:
        return help_footer(self, country)


class RunState:
    """What one invocation knows beyond its arguments: the App a command built, and output
    options given before the command name. It lives in the root context's `obj`, so nothing
    leaks from one invocation to the next (CliRunner runs many in one process)."""

    __slots__ = ("app", "color", "fmt", "quiet")

    def __init__(self) -> None:
        self.app: App | None = None
        self.fmt: str | None = None
        self.quiet = False
        self.color: str | None = None


def _state() -> RunState | None:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj if isinstance(obj, RunState) else None


def remember(app: App) -> None:
    """Make `app` the one this run's errors use (its format, its country)."""
    state = _state()
    if state is not None:
        state.app = app


def help_footer(app: App | None, country: Any = None, named: str | None = None) -> str:
    """The footer for the user's country; it must work even when config or data are broken.
    `named` is a country the command line named, for errors raised before a command ran."""
    from .dataset import load_active
    from .query import help_line

    width = app.screen.width if app else render.terminal_width()
    fallback_url = None
    try:
        dataset = app.dataset if app else load_active()
        fallback_url = dataset.fallback.get("url")
        if country is None and named is not None:
            country = dataset.country(named)
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
        return [
            CompletionItem(i.id, help=getattr(i, "title", None) or getattr(i, "name", ""))
            for i in items
            if i.id.startswith(incomplete)
        ]

    return complete


def output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--format/--json/-q/--color on every command, after its name, building the App."""

    @click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(FORMATS, case_sensitive=False),
        default=None,
        help="Output format (default: table; scripts: json).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
    @click.option("-q", "--quiet", is_flag=True, help="No notices on stderr (errors still show).")
    @click.option(
        "--color",
        type=click.Choice(COLORS),
        default=None,
        help="Colour (default auto: only on a terminal, never with NO_COLOR).",
    )
    @functools.wraps(func)
    def wrapper(fmt: str | None, as_json: bool, quiet: bool, color: str | None, **kwargs: Any) -> Any:
        state = _state() or RunState()
        chosen = "json" if as_json else fmt
        app = App(chosen or state.fmt, quiet or state.quiet, color or state.color, os.environ)
        remember(app)
        return func(app, **kwargs)

    return wrapper


HELP_SCREEN_FOOTER = (
    "Need help now? Call your local emergency number, or run `crisiscli now` for the crisis lines where you are."
)


def _help_epilog(formatter: click.HelpFormatter) -> None:
    """Help screens end with a way to get help now that needs no data: `--help` stays as fast as
    importing Click, and `crisiscli now` is one command away."""
    formatter.write("\n" + render.wrap(HELP_SCREEN_FOOTER, formatter.width or 80) + "\n")


class CrisisCommand(click.Command):
    """A command whose help screen ends with the help footer."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        _help_epilog(formatter)


class CrisisSubGroup(click.Group):
    """A command family (data, plan): its help ends with the footer too."""

    command_class = CrisisCommand

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        _help_epilog(formatter)


class CrisisGroup(CrisisSubGroup):
    """The top-level group: commands loaded on demand, aliases, a country typed where a command
    was expected (`crisiscli GB` shows `now GB`), and every failure turned into a message and an
    exit code here, so CliRunner and the console script behave the same."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "help":
            return _help_cmd
        target = COMMANDS.get(ALIASES.get(cmd_name, cmd_name))
        if target is None:
            return None
        import importlib

        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from SHORT_HELP, importing a command only if it has no entry."""
        names = self.list_commands(ctx)
        limit = (formatter.width or 80) - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            text = SHORT_HELP.get(name)
            if text is None:
                command = self.get_command(ctx, name)
                text = command.get_short_help_str(limit=1000) if command else ""
            rows.append((name, _shorten(text, limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        command = self.get_command(ctx, name)
        if command is not None:
            return name, command, args[1:]
        if not name.startswith("-"):
            from .countries import lookup, resolve_many

            words = [a for a in args if not a.startswith("-")]
            try:
                if lookup(name) or lookup(" ".join(words)):
                    resolve_many(words)
                    return "now", self.get_command(ctx, "now"), args
            except CrisisError:
                pass
        from .paths import close_matches

        close = close_matches(name.lower(), [*COMMANDS, *ALIASES, "help"])
        hint = f" Did you mean {' or '.join(f'`{c}`' for c in close)}?" if close else ""
        raise click.UsageError(f"no command {name[:40]!r}.{hint} A country works too: `crisiscli now GB`.", ctx)

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run, and turn every failure into a message and an exit code: never a traceback."""
        _harden_streams()
        argv = list(sys.argv[1:] if args is None else args)
        state = RunState()
        extra.setdefault("obj", state)
        command = next((ALIASES.get(a, a) for a in argv if not a.startswith("-")), "crisiscli")
        if command not in COMMANDS:
            command = "crisiscli"
        try:
            result = super().main(
                args=argv,
                prog_name=prog_name or "crisiscli",
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            code = result if isinstance(result, int) else 0
        except CrisisError as exc:
            code = _fail(state, exc.message, exc.exit_code, exc.code, exc.suggestions, argv, command)
        except click.UsageError as exc:
            if getattr(exc, "ctx", None) is not None and type(exc).__name__ == "NoArgsIsHelpError":
                click.echo(exc.ctx.get_help())  # type: ignore[union-attr]
                code = 0
            else:
                hint = f"\nRun `crisiscli {command if command != 'crisiscli' else ''} --help` for usage."
                code = _fail(
                    state, exc.format_message() + hint.replace("  ", " "), EXIT_USAGE, "usage", (), argv, command
                )
        except click.ClickException as exc:
            code = _fail(state, exc.format_message(), exc.exit_code, "error", (), argv, command)
        except (click.Abort, KeyboardInterrupt):
            sys.stderr.write("\nStopped.\n")
            code = 130
        except BrokenPipeError:
            _silence_stdout()
            code = EXIT_UNEXPECTED
        except OSError as exc:
            code = _os_failure(state, exc, argv, command)
        except Exception as exc:  # the last line of defence: a message, never a traceback
            if os.environ.get("CRISISCLI_DEBUG"):
                raise
            code = _fail(
                state,
                f"unexpected error ({type(exc).__name__}: {exc}); set CRISISCLI_DEBUG=1 for "
                "details and please report it",
                EXIT_UNEXPECTED,
                "unexpected",
                (),
                argv,
                command,
            )
        if standalone_mode:
            sys.exit(code)
        return code


def _shorten(text: str, limit: int) -> str:
    """`text` cut at a word so it fits `limit` columns, with '...' when cut (as Click does)."""
    if len(text) <= limit:
        return text
    words, out = text.split(), ""
    for word in words:
        if len(out) + len(word) + 1 + 3 > limit:
            break
        out = f"{out} {word}" if out else word
    return out.rstrip(",;:") + "..."


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


def _early_option(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    """Store an output option given before the command name (`crisiscli --json lines GB`)."""

    def store(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value and isinstance(ctx.obj, RunState):
            setattr(ctx.obj, name, value)

    return store


@click.group(
    cls=CrisisGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_CODES_HELP
    + "\n\nData: every number lists its source and the date it was checked. A number wrong or dead? "
    "`crisiscli report LINE_ID` writes a report to send (ids are in `crisiscli lines`).",
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the tool and dataset versions.",
)
@click.option(
    "--format",
    "-f",
    type=click.Choice(FORMATS, case_sensitive=False),
    expose_value=False,
    is_eager=True,
    callback=_early_option("fmt"),
    help="Output format for the command that follows.",
)
@click.option(
    "--json",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, p, v: _early_option("fmt")(ctx, p, "json" if v else None),
    help="Same as --format json.",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_early_option("quiet"),
    help="No notices on stderr.",
)
@click.option(
    "--color",
    type=click.Choice(COLORS),
    expose_value=False,
    is_eager=True,
    callback=_early_option("color"),
    help="Colour: auto, always or never.",
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Crisis lines, emergency numbers and what helps, offline.

    \b
    Examples:
      crisiscli now              help right now: emergency number, 24/7 lines, one step
      crisiscli GB               the same, for a country you name
      crisiscli lines            lines for your country (detected and announced)
      crisiscli lines uk         lines for a country, by code or name
      crisiscli lines FR --json  the same facts for scripts
      crisiscli about            what self-harm is, and how to help
      crisiscli coping --random  one thing to do instead, right now
      crisiscli countries        which countries have data
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@click.command("help", cls=CrisisCommand)
@click.argument("command", nargs=-1)
@click.pass_context
def _help_cmd(ctx: click.Context, command: tuple[str, ...]) -> None:
    """Help for crisiscli or for one command: `crisiscli help lines`."""
    group = ctx.parent.command if ctx.parent else cli
    target: click.Command = group
    parent = ctx.parent or ctx
    for name in command:
        sub = target.get_command(parent, name) if isinstance(target, click.Group) else None
        if sub is None:
            raise click.UsageError(f"no command {name[:40]!r}; run `crisiscli --help` for the list.", ctx)
        target = sub
        parent = click.Context(sub, info_name=name, parent=parent)
    click.echo(target.get_help(parent))


# --- running and failing ----------------------------------------------------------------------


def _wants_json(argv: list[str]) -> bool:
    """Before options are parsed (a usage error), guess the format from argv."""
    for i, arg in enumerate(argv):
        low = arg.lower()
        if low == "--json" or low in ("--format=json", "-fjson"):
            return True
        if arg in ("--format", "-f") and i + 1 < len(argv) and argv[i + 1].lower() == "json":
            return True
    return False


def _fail(
    state: RunState,
    message: str,
    code: int,
    error_code: str,
    suggestions: tuple[str, ...],
    argv: list[str],
    command: str,
) -> int:
    app = state.app
    json_mode = app.format == "json" if app else (state.fmt == "json" or _wants_json(argv))
    try:
        if json_mode:
            envelope = render.envelope(
                command,
                None,
                None,
                None,
                error={
                    "code": error_code,
                    "message": render.safe_text(message),
                    "suggestions": [render.safe_text(s) for s in suggestions],
                },
            )
            sys.stdout.write(envelope + "\n")
            sys.stdout.flush()
    except OSError:
        _silence_stdout()
    err = sys.stderr
    err.write(render.safe_text(f"crisiscli: {message}", multiline=True) + "\n")
    if not json_mode:
        err.write("\n" + help_footer(app, named=_named_country(argv)) + "\n")
    err.flush()
    return code


def _named_country(argv: list[str]) -> str | None:
    """The first argument that names a country (`lines GB --audience x`), so an error that
    stopped the command still ends with that country's numbers."""
    from .countries import lookup

    for arg in argv:
        if not arg.startswith("-") and arg not in COMMANDS and (code := lookup(arg)):
            return code
    return None


def _os_failure(state: RunState, exc: OSError, argv: list[str], command: str) -> int:
    """A full disk, a full stdout (>/dev/full), a read-only directory: a sentence, not errno soup."""
    import errno

    if exc.errno == errno.EPIPE:
        _silence_stdout()
        return EXIT_UNEXPECTED
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "no space left on the device"
    if getattr(exc, "filename", None):
        what = f"could not use {exc.filename}"
    else:  # no file named: it was stdout that failed
        _silence_stdout()
        what = "could not write to standard output"
    return _fail(state, f"{what}: {reason}", EXIT_UNEXPECTED, "os_error", (), argv, command)


def _silence_stdout() -> None:
    """After stdout broke, point it at /dev/null so the interpreter's final flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _harden_streams() -> None:
    """A terminal that cannot show a character gets '?' instead of a crash."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


def main(args: list[str] | None = None, prog_name: str = "crisiscli") -> None:
    """Console-script entry point."""
    cli.main(args=args, prog_name=prog_name)
