"""The `textclean` command line.

    textclean run INPUT --output OUT [--no-dedup] [--config FILE] [--include GLOB]
                  [--exclude GLOB] [--dry-run] [--verbose]
    textclean serve INPUT --output OUT [--cron EXPR] [--name NAME] [--replace] [run options]
    textclean reindex OUT

runs the `clean-corpus` flow on Prefect's embedded (ephemeral) server unless
PREFECT_API_URL points at a running one, shows a progress bar on a terminal, and ends
with a one-screen summary. The exit code is 0 when the run committed its output (bad
input files are `rejected` rows, not failures), 2 for a usage or config error, 1 when
the run itself failed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

from flows import lifeline, prefect_server
from flows.urls import is_remote, path_or_url

# Prefect's embedded server needs over 20 s to start on a fresh PREFECT_HOME here, past
# its default limit; its telemetry call fails offline. Users may still override both.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

EPILOG = """\
examples:
  textclean run seeds --output data                 clean the sample documents
  textclean run crawl/ --output out --no-dedup      keep duplicate paragraphs in the text
  textclean run crawl/ --output out --config textclean.toml

output (Parquet, zstd): OUT/documents, OUT/paragraphs, OUT/removed, OUT/rejected and
OUT/manifest.json; see docs/schema.md. Query with DuckDB:
  duckdb -c "select language, count(*) from 'OUT/documents/*.parquet' group by 1"
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="textclean",
        description="Clean scraped news and web text into Parquet datasets, through a "
                    "Prefect flow you can inspect in the Prefect UI.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"textclean {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run", help="clean a folder of documents into Parquet",
        description="Clean every .txt, .md, .html, .htm, .jsonl, .warc and .wet file "
                    "(optionally .gz) under INPUT, recursively, into Parquet tables under OUT.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    run.add_argument("input", metavar="INPUT", type=path_or_url,
                     help="folder of input documents, read recursively, or a URL such "
                          "as s3://bucket/prefix")
    run.add_argument("--output", "-o", metavar="OUT", type=path_or_url, required=True,
                     help="output folder or URL (s3://bucket/prefix); created if missing; "
                          "earlier output there is replaced atomically when the run commits")
    _add_cleaning_options(run)
    run.add_argument("--follow-links", action="store_true",
                     help="read the targets of links that lead outside INPUT (by default "
                          "they are rejected as outside_input)")
    run.add_argument("--verbose", "-v", action="store_true",
                     help="print Prefect's log lines on the terminal too (they always "
                          "reach the Prefect UI)")
    run.add_argument("--json", action="store_true",
                     help="print the run manifest as JSON instead of the summary")
    run.add_argument("--dry-run", action="store_true",
                     help="check the config and the input, print what would run, and stop "
                          "(no Prefect, nothing written)")
    serve = commands.add_parser(
        "serve", help="serve a scheduled deployment of the flow to a Prefect server",
        description="Register a deployment of clean-corpus with a cron schedule on the "
                    "Prefect server in PREFECT_API_URL and run its flow runs here until "
                    "stopped (Ctrl-C). Start a server first: prefect server start.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("input", metavar="INPUT", type=Path, help="folder to clean on each run")
    serve.add_argument("--output", "-o", metavar="OUT", type=Path, required=True,
                       help="output folder each run commits to (incrementally)")
    serve.add_argument("--cron", default="0 3 * * *",
                       help="when to run, a cron expression in UTC (default: 03:00 daily)")
    serve.add_argument("--name", default="nightly", help="deployment name (default: nightly)")
    _add_cleaning_options(serve)
    serve.add_argument("--replace", action="store_true",
                       help="replace a deployment of this name that cleans another INPUT or "
                            "OUT (by default serve refuses, naming it)")
    reindex = commands.add_parser(
        "reindex", help="rebuild an output's dedup index from its paragraphs table",
        description="Rebuild the dedup index beside OUT (what later runs are checked "
                    "against) from OUT/paragraphs, and commit it atomically: after the "
                    "index was lost, or after changing the [dedup] settings. Needs no "
                    "Prefect server.")
    reindex.add_argument("output", metavar="OUT", type=Path, help="a textclean output folder")
    reindex.add_argument("--config", metavar="FILE", type=Path,
                         help="TOML settings file whose [dedup] section to index with")
    return parser



def _add_cleaning_options(parser: argparse.ArgumentParser) -> None:
    """The options that shape a run's cleaning, shared by `run` and `serve`."""
    parser.add_argument("--no-dedup", action="store_true",
                        help="do not flag duplicate paragraphs (they stay in documents.text)")
    parser.add_argument("--config", metavar="FILE", type=Path,
                        help="TOML file with per-stage settings, limits and per-site "
                             "boilerplate patterns (see docs/config.md)")
    parser.add_argument("--full", action="store_true",
                        help="clean every file again; by default files whose content is "
                             "unchanged since the last run over OUT keep their rows")
    parser.add_argument("--workers", metavar="N", type=_positive, default=0,
                        help="processes for the cleaning work, 1 or more (default: one per "
                             "CPU core)")
    parser.add_argument("--decide-tasks", metavar="N", type=_positive, default=0,
                        help="tasks of each phase of the duplicate search, 1 or more, as "
                             "local processes or on Dask (default: one per CPU core, one "
                             "under 100k paragraphs); the decisions do not depend on it")
    parser.add_argument("--dask", metavar="ADDRESS", default=os.environ.get("TEXTCLEAN_DASK"),
                        help="run the tasks on Dask: a scheduler address (tcp://host:8786) "
                             "or local:N for a local cluster of N worker processes "
                             "(default: $TEXTCLEAN_DASK; without it, a local process pool)")
    parser.add_argument("--include", metavar="GLOB", action="append", default=[],
                        help="read only files whose path under INPUT matches GLOB "
                             "('**/*.jsonl'; repeatable; added to [input] include in the "
                             "config)")
    parser.add_argument("--exclude", metavar="GLOB", action="append", default=[],
                        help="leave out files whose path under INPUT matches GLOB "
                             "('**/gold.jsonl'; repeatable)")
    parser.add_argument("--partition-by", choices=["language"], default=None,
                        help="split the documents and paragraphs tables into hive folders "
                             "(OUT/documents/language=fr/...); see docs/schema.md")

def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return number


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return _run(args)
    lifeline.started()  # only a run's start-up is worth it
    if args.command == "serve":
        return _serve(args)
    if args.command == "reindex":
        return _reindex(args)
    return 2  # pragma: no cover - argparse rejects unknown commands first


def _reindex(args: argparse.Namespace) -> int:
    from flows.reindex import reindex
    from flows.settings import ConfigError

    try:
        done = reindex(args.output, args.config)
    except (ConfigError, FileNotFoundError, RuntimeError) as error:
        print(f"textclean: error: {error}", file=sys.stderr)
        return 2
    print(f"textclean: dedup index of {args.output} rebuilt from {done.paragraphs:,} "
          f"paragraphs: {done.entries:,} entries in {done.parts} parts, in "
          f"{done.seconds:.1f} s")
    return 0


def _run(args: argparse.Namespace) -> int:
    if is_remote(args.input) or is_remote(args.output):
        from flows import remote

        lifeline.started()  # the mirroring is no start-up

        return remote.run(args, _run)  # mirrors locally, then calls _run again
    if not args.input.is_dir():
        print(f"textclean: error: INPUT {args.input} is not a folder", file=sys.stderr)
        return 2
    # First, before anything heavy is imported: the server's start-up then runs beside
    # this process's imports, config and discovery (flows.prefect_server).
    server = None if args.dry_run else prefect_server.start_early()
    try:
        return _run_with(args, server)
    finally:
        if server is not None:
            server.stop(kill=True)  # a usage error, or the run ended without it


def _run_with(args: argparse.Namespace, server: prefect_server.EmbeddedServer | None) -> int:
    from flows.inputs import overlap
    from flows.settings import ConfigError, load_settings

    conflict = overlap(args.input, args.output)
    if conflict:
        print(f"textclean: error: {conflict}", file=sys.stderr)
        return 2

    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        print(f"textclean: error: {error}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(dry_run(args, settings))
        return 0

    interactive = sys.stderr.isatty() and not args.verbose
    from flows.clean_corpus import clean_corpus

    if interactive:
        _quiet_console()

    flow, workers = clean_corpus, args.workers
    if args.dask:
        try:
            flow, workers = clean_corpus.with_options(task_runner=dask_runner(args.dask)), 1
        except ValueError as error:
            print(f"textclean: error: {error}", file=sys.stderr)
            return 2
    if server is not None and not args.dask and _cleans_here(args, settings):
        _warm_up(settings)
    if server is not None:
        prefect_server.preload()
    lifeline.started()
    lifeline.catch_interrupts()
    watcher = _Progress(args.output) if interactive else None
    try:
        if watcher:
            watcher.start()
        with prefect_server.api_for_run(server):
            manifest = flow(input_dir=str(args.input), output=str(args.output),
                            dedup=not args.no_dedup,
                            config_file=str(args.config) if args.config else None,
                            full=args.full, workers=workers,
                            follow_links=args.follow_links, include=args.include,
                            exclude=args.exclude, partition_by=args.partition_by,
                            decide_tasks=args.decide_tasks)
    except KeyboardInterrupt:
        if watcher:
            watcher.stop()
        print("textclean: interrupted; the output is as the last completed run left it",
              file=sys.stderr)
        return 130
    except Exception as error:
        if watcher:
            watcher.stop()
        print(f"textclean: run failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    if watcher:
        watcher.stop()
    if args.json:
        print(json.dumps(manifest, indent=2, ensure_ascii=False))
    else:
        print(summary(manifest))
        link = run_link(manifest["run_id"])
        if link:
            print(f"  prefect UI  {link}")
    return 0


def _cleans_here(args: argparse.Namespace, settings: Any) -> bool:
    """Whether the run will likely clean its one batch in this process (a small input:
    no worker processes) and clean it all (no earlier output to carry rows from)."""
    from flows.inputs import fits_one_batch
    from flows.storage import OutputFolder

    if not args.full and OutputFolder(args.output).current is not None:
        return False
    return fits_one_batch(args.input, settings.batching.files, settings.batching.bytes)


def _warm_up(settings: Any) -> None:
    """Build what cleaning needs in this process while the embedded server starts on the
    other core: the toolkit (compiled lexicon, line model, language profiles: 0.75 s),
    kept per process, so the run's one batch, cleaned here, starts at once instead of
    after it. (The dedup hasher needs no warming: its first use takes about 10 ms.)"""
    from flows.batch import toolkit

    toolkit(settings.pipeline)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("textclean")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


def run_link(run_id: str) -> str | None:
    """The flow run's page in the Prefect UI, when a server is configured (an embedded,
    ephemeral server is gone when the run ends, so it has no page to link to)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

    if not PREFECT_API_URL.value() or run_id.startswith("local-"):
        return None
    ui = PREFECT_UI_URL.value()
    return f"{str(ui).rstrip('/')}/runs/flow-run/{run_id}" if ui else None


def dry_run(args: argparse.Namespace, settings: Any) -> str:
    """What `run` would do with these arguments: the files it would read, by kind, the
    ones it would reject, the batches, and where it would commit."""
    from collections import Counter

    from flows.clean_corpus import plan_batches, with_selection
    from flows.inputs import discover
    from flows.selection import select

    settings = with_selection(settings, args.include, args.exclude)
    files, unusable = discover(args.input)
    chosen = select(files, settings.selection)
    unusable = select(unusable, settings.selection)
    kinds = Counter(f.kind + (".gz" if f.compressed else "") for f in chosen)
    batches = plan_batches(chosen, settings.batching, args.workers or os.cpu_count() or 1)
    lines = [
        f"textclean: dry run: {len(chosen)} files would be read from {args.input} "
        f"({len(files) - len(chosen)} left out by --include/--exclude)",
        "  kinds       " + _top(dict(kinds)),
        f"  bytes       {sum(f.size for f in chosen):,} in {len(batches)} batches",
        "  rejected    " + _top(dict(Counter(r.reason for r in unusable))),
        f"  output      {args.output} ({'full' if args.full else 'incremental'}, "
        f"{'no dedup' if args.no_dedup else 'dedup'})",
        f"  config      {args.config or 'defaults'}",
    ]
    return "\n".join(lines)


def dask_runner(spec: str) -> Any:
    """A Prefect Dask task runner for `local:N` or a scheduler address.

    On Dask the batch tasks run in the cluster's worker processes, so the flow's own
    process pool is not used (workers=1): the cluster is the parallelism.
    """
    from prefect_dask.task_runners import DaskTaskRunner

    if spec.startswith("local"):
        _, _, count = spec.partition(":")
        if count and (not count.isdigit() or int(count) < 1):
            raise ValueError(f"--dask {spec}: expected local:N with N a number of workers, "
                             "1 or more")
        n = int(count or os.cpu_count() or 1)
        return DaskTaskRunner(cluster_kwargs={"n_workers": n, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    if "://" not in spec:
        raise ValueError(f"--dask {spec}: expected local:N or a scheduler address such as "
                         "tcp://10.0.0.5:8786")
    return DaskTaskRunner(address=spec)


def _quiet_console() -> None:
    # The progress bar owns the terminal: Prefect's console handlers show warnings only,
    # while its API handler still sends every log line to the Prefect UI.
    import logging

    from prefect.logging.handlers import PrefectConsoleHandler

    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, PrefectConsoleHandler):
                handler.setLevel(logging.WARNING)


def _serve(args: argparse.Namespace) -> int:
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        print("textclean: error: serve needs a Prefect server: run `prefect server start` "
              "and set PREFECT_API_URL=http://127.0.0.1:4200/api", file=sys.stderr)
        return 2
    from flows.settings import ConfigError, load_settings

    try:
        load_settings(args.config)
    except ConfigError as error:
        print(f"textclean: error: {error}", file=sys.stderr)
        return 2
    from flows.clean_corpus import clean_corpus

    # Absolute paths: the schedule runs later, from wherever this process was started.
    parameters = {"input_dir": str(args.input.resolve()), "output": str(args.output.resolve()),
                  "dedup": not args.no_dedup,
                  "config_file": str(args.config.resolve()) if args.config else None,
                  "full": args.full, "workers": args.workers, "include": args.include,
                  "exclude": args.exclude, "partition_by": args.partition_by,
                  "decide_tasks": args.decide_tasks}
    other = deployed_elsewhere(args.name, parameters)
    if other and not args.replace:
        print(f"textclean: error: deployment clean-corpus/{args.name} already cleans {other}; "
              "choose another --name, or pass --replace to replace it", file=sys.stderr)
        return 2
    flow = clean_corpus
    if args.dask:
        try:
            flow, parameters["workers"] = (
                clean_corpus.with_options(task_runner=dask_runner(args.dask)), 1)
        except ValueError as error:
            print(f"textclean: error: {error}", file=sys.stderr)
            return 2
    flow.serve(name=args.name, cron=args.cron, parameters=parameters,
               description=f"Clean {parameters['input_dir']} into "
                           f"{parameters['output']} on schedule {args.cron}",
               tags=["textclean"], global_limit=1)
    return 0


def deployed_elsewhere(name: str, parameters: dict[str, Any]) -> str | None:
    """'INPUT -> OUT' of the deployment `name` on the server when it cleans another
    input or output than `parameters` say; None when there is none or it is the same."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(f"clean-corpus/{name}")
        except ObjectNotFound:
            return None
    theirs = deployment.parameters or {}
    if (theirs.get("input_dir"), theirs.get("output")) == (parameters["input_dir"],
                                                            parameters["output"]):
        return None
    return f"{theirs.get('input_dir')} -> {theirs.get('output')}"


def summary(manifest: dict[str, Any]) -> str:
    """The one-screen summary printed at the end of a run."""
    c = manifest["counts"]
    lines = [
        f"textclean: {c['input_files']} files -> {c['documents']} documents, "
        f"{c['rejected']} rejected, in {manifest['seconds']:.1f} s"
        + (f" ({c['unchanged_files_skipped']} unchanged files skipped)"
           if c["unchanged_files_skipped"] else ""),
        f"  output      {manifest['output']}",
        f"  characters  {c['chars_in']:,} in -> {c['chars_out']:,} out",
        f"  paragraphs  {c['paragraphs']:,} kept, {c['duplicate_paragraphs']:,} duplicates "
        f"flagged",
        f"  removed     {c['removed_lines']:,} lines: " + _top(manifest["removed_by_reason"]),
    ]
    if manifest["rejected_by_reason"]:
        lines.append("  rejected    " + _top(manifest["rejected_by_reason"]))
    lines.append("  languages   " + _top(manifest["languages"]))
    if c["repaired_documents"]:
        lines.append(f"  repaired    {c['repaired_documents']} documents had mojibake fixed")
    lines.append(f"  manifest    {Path(manifest['output']) / 'manifest.json'}")
    return "\n".join(lines)


def _top(counts: dict[str, int], n: int = 6) -> str:
    items = sorted(counts.items(), key=lambda kv: -kv[1])
    shown = ", ".join(f"{k} {v}" for k, v in items[:n])
    rest = len(items) - n
    return (shown + (f", +{rest} more" if rest > 0 else "")) or "none"


class _Progress:
    """A progress bar fed by the files the run writes (batches finished), so it works
    whatever runs the tasks: threads, processes or a Dask cluster."""

    def __init__(self, output: Path) -> None:
        self.home = output / "_textclean"
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.done.set()
        self.thread.join(timeout=2)

    def _watch(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        from flows.staging import latest_plan, progress

        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), transient=True) as bar:
            task = bar.add_task("starting Prefect", total=None)
            while not self.done.wait(0.3):
                latest = latest_plan(self.home / "staging")
                if latest is None:
                    continue
                folder, plan = latest
                files, documents = progress(folder)
                bar.update(task, description=f"cleaning: {documents:,} documents from files",
                           total=plan.get("cleaning", plan["files"]), completed=files)


def command() -> None:
    """The `textclean` command: `main`, then an exit that skips tearing the interpreter
    down. Tearing down what a run imported (Prefect, pyarrow, numpy, the lexicons) took
    0.3-0.4 s of CPU after the summary was printed; the run's logs and events are sent
    by then (`prefect_server.api_for_run`), its files closed, and the exit handlers are
    still run."""
    gc.disable()  # for the start-up: see `lifeline.started`
    lifeline.exit_now(main())


if __name__ == "__main__":
    command()
