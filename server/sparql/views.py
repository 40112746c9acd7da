"""The /sparql endpoint: protocol, negotiation, limits, caching, and the answer streamed back."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request, url_for

from server import negotiation, query_text, security
from server.errors import BadRequest, Forbidden, HttpError, NotAcceptable, ServiceUnavailable
from server.results import write_graph
from server.sparql import bounds, description, protocol
from server.version.engine import Job
from server.version.live import ServedVersion
from server.version.messages import Answer, Head, QueryRefused, ResultAborted, read_answer
from server.version.workers import (
    InProcessQueries,
    NoWorkerAvailable,
    QueryRunner,
    QueryTimeout,
    WorkerCrashed,
)
from server.web import knowledge_store, served, take_query_failure

bp = Blueprint("sparql", __name__)

ENDPOINT_METHODS = ["GET", "POST"]  # HEAD comes with GET
SD_FORMATS = negotiation.GRAPH_FORMATS


def limits() -> description.Limits:
    """The endpoint's limits, from the configuration."""
    config = current_app.config
    return description.Limits(
        timeout_seconds=float(config["QUERY_TIMEOUT"]),
        result_limit=int(config["RESULT_LIMIT"]),
        body_limit=int(config["MAX_BODY_BYTES"]),
        rate_limit=str(config["RATE_LIMIT"]),
        service_allowlist=tuple(str(config["SERVICE_ALLOWLIST"]).split()),
    )


@bp.route("/sparql", methods=ENDPOINT_METHODS)
def endpoint() -> Response:
    """A query (Protocol §2.1), or with no query the service description or the editor."""
    if request.method in {"GET", "HEAD"} and not _has_query_parameters():
        return _description_or_editor()
    query_request = protocol.parse(request)
    store = knowledge_store()
    profile = query_text.safe_profile(query_request.query, store.base_uri)
    _refuse_too_deep(profile)
    if profile.form == "UPDATE":
        # Protocol §2.1.7: not a legal query, so a 400, saying why rather than where the
        # query parser stopped.
        raise BadRequest(protocol.read_only_message(sent_as_query=True))
    _refuse_what_is_disabled(profile)
    results_format, graph_format = choose_formats(
        profile.form, request.headers.get("Accept"), request.values.getlist("format")
    )
    job = Job(
        query=query_request.query,
        base_iri=store.base_uri,
        results_format=results_format.media_type if results_format else None,
        graph_format=graph_format.media_type if graph_format else None,
        prefixes=current_app.config["PREFIXES"],
        default_graphs=query_request.default_graphs,
        named_graphs=query_request.named_graphs,
        row_limit=int(current_app.config["RESULT_LIMIT"]),
    )
    failure = take_query_failure(request.environ)
    if failure is not None:
        # Evaluated already, before Flask (server.direct_queries): its error, not a second run.
        raise failure
    return _answer(job, runner_for(profile, job, served()))


def _has_query_parameters() -> bool:
    return any(key in request.args for key in ("query", "update"))


def _refuse_too_deep(profile: query_text.QueryProfile) -> None:
    # Refused before a worker sees it: deeper, the recursive parser would overflow the worker's
    # stack (a crash, not an error message) or spend minutes on nested collections.
    if profile.nesting > query_text.MAX_NESTING:
        raise BadRequest(
            f"the query nests groups, parentheses or operators {profile.nesting} levels deep; "
            f"at most {query_text.MAX_NESTING} are accepted"
        )


def _refuse_what_is_disabled(profile: query_text.QueryProfile) -> None:
    allowed = set(limits().service_allowlist)
    for target in profile.services:
        if target is None or target not in allowed:
            shown = f"<{target}>" if target else "a variable or unresolvable endpoint"
            hint = (
                f"allowed endpoints: {', '.join(sorted(allowed))}"
                if allowed
                else "federated queries are disabled on this endpoint"
            )
            raise Forbidden(f"SERVICE {shown} is not allowed: {hint}")


def choose_formats(
    form: str | None, accept: str | None, names: list[str]
) -> tuple[negotiation.Format | None, negotiation.Format | None]:
    """The format for solutions and the one for graphs, by ``accept`` and the ``format=``
    ``names``; a 406 (or a 400 for a name that does not fit) when the query's kind has none.

    Both are chosen before the query runs, by the rule of ``server.negotiation``: the same
    Accept or ``format=`` can name a results format and a graph format (``json``, ``xml``)."""
    chosen: list[negotiation.Format | None] = []
    for offered in (negotiation.RESULT_FORMATS, negotiation.GRAPH_FORMATS):
        try:
            chosen.append(negotiation.negotiate(offered, accept, names).format)
        except (negotiation.NoAcceptableFormat, negotiation.UnknownFormatName):
            chosen.append(None)
    results_format, graph_format = chosen
    wanted = {
        "SELECT": results_format,
        "ASK": results_format,
        "CONSTRUCT": graph_format,
        "DESCRIBE": graph_format,
    }
    if form in wanted and wanted[form] is None:
        offered = (
            negotiation.RESULT_FORMATS if form in {"SELECT", "ASK"} else negotiation.GRAPH_FORMATS
        )
        if any(name.strip() for name in names):
            raise BadRequest(
                f"format={names[0]!r} does not fit a {form} query; "
                f"use format={negotiation.names(offered)}"
            )
        raise negotiation.NoAcceptableFormat(offered, accept or "")
    if results_format is None and graph_format is None:
        raise negotiation.NoAcceptableFormat(
            negotiation.RESULT_FORMATS + negotiation.GRAPH_FORMATS, accept or ""
        )
    return results_format, graph_format


def runner_for(profile: query_text.QueryProfile, job: Job, version: ServedVersion) -> QueryRunner:
    """Who evaluates ``job`` on ``version``: this thread for a lookup or a join whose worst
    case is small, the version's query runner otherwise.

    A lookup's work is bounded by the row cap (``server.query_text``), a small join's by the
    data's largest fan-outs (``server.sparql.bounds``), so neither needs a deadline nor a
    worker process to kill; answering them here saves the round trip to a worker (a pickled
    job and result, two process wake-ups), which costs more than evaluating them. Without a
    row cap, or with a dataset named in the request (one scan per graph), they go to the
    workers like any query. A remote engine's runner already answers in this thread.
    """
    store = version.store.store
    if (
        job.row_limit > 0
        and job.default_graphs is None
        and job.named_graphs is None
        and isinstance(store, ox.Store)
        and (profile.lookup or _small_join(profile, version))
    ):
        return InProcessQueries(store)
    return version.queries


def _small_join(profile: query_text.QueryProfile, version: ServedVersion) -> bool:
    if profile.patterns is None:
        return False
    store = version.store
    fanout = store.fanout()
    if fanout is None:
        return False
    steps = store.cached("sparql.bounds", lambda: bounds.JoinBounds(fanout)).steps(profile.patterns)
    return steps is not None and steps <= bounds.IN_THREAD_STEPS


def run(job: Job, runner: QueryRunner, config: Mapping[str, Any]) -> Answer:
    """``job``'s answer from ``runner`` within the time ``config`` allows; an ``HttpError``
    saying why when there is none (a refused query, no time left, no worker free)."""
    now = time.monotonic()
    deadline = now + float(config["QUERY_TIMEOUT"])
    messages = runner.run(job, deadline, now + float(config["QUEUE_TIMEOUT"]))
    try:
        return read_answer(messages)
    except QueryRefused as refused:
        raise _error(refused.status, refused.message) from None
    except QueryTimeout:
        # No Retry-After: the same query would run out of time again (RFC 9110 §10.2.3).
        raise ServiceUnavailable(_timeout_message(config)) from None
    except NoWorkerAvailable as busy:
        # A retry succeeds once a worker is free: at the latest when the soonest busy one's
        # job reaches its deadline.
        seconds = max(1, math.ceil(busy.free_in))
        raise ServiceUnavailable(
            f"every query worker is busy; one will be free within {seconds} s: retry then",
            headers={"Retry-After": str(seconds)},
        ) from None
    except WorkerCrashed:
        raise ServiceUnavailable("the query worker stopped while answering; retry") from None


def result_headers(head: Head) -> list[tuple[str, str]]:
    """What a query's answer says of itself beyond its type: the row limit, and whether the
    result was cut at it."""
    headers = []
    if head.limit:
        headers.append(("X-Result-Limit", str(head.limit)))
    if head.truncated:
        headers.append(("X-Result-Truncated", "true"))
        headers.append(("Warning", f'199 - "result truncated to {head.limit} rows"'))
    return headers


def result_format(head: Head) -> negotiation.Format:
    """The format the answer is written in."""
    return next(
        f
        for f in negotiation.RESULT_FORMATS + negotiation.GRAPH_FORMATS
        if f.media_type == head.media_type
    )


def _answer(job: Job, runner: QueryRunner) -> Response:
    answer = run(job, runner, current_app.config)
    head = answer.head
    response = Response(
        StreamingBody(answer),
        content_type=result_format(head).content_type,
        headers=result_headers(head),
    )
    response.vary.add("Accept")
    return response


def _timeout_message(config: Mapping[str, Any]) -> str:
    seconds = float(config["QUERY_TIMEOUT"])
    return (
        f"the query did not finish within the {seconds:g} s limit and was stopped; "
        "narrow it (more specific patterns, a LIMIT) or download the dumps to run it locally"
    )


def _error(status: int, message: str) -> HttpError:
    if status == 406:
        return NotAcceptable(message)
    return BadRequest(message)


class IncompleteResponse(Exception):
    """Raised inside a streaming body: the server must break the connection, not finish it."""


class StreamingBody:
    """The response body: chunks read from the query runner, closed whatever happens.

    WSGI servers call ``close()`` when the response ends or the client goes away; closing the
    runner's message stream then frees (or kills and replaces) the worker, even when the body
    was never iterated at all (a HEAD request, an early disconnect).
    """

    def __init__(self, answer: Answer) -> None:
        self.answer = answer

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self.answer.chunks()
        except ResultAborted as error:
            raise IncompleteResponse(str(error)) from None
        except (QueryTimeout, WorkerCrashed) as error:
            # The headers are gone already: breaking the connection is the only honest signal
            # left, as a chunked response without its final chunk is an error to every client.
            raise IncompleteResponse(f"stopped mid-stream: {type(error).__name__}") from None
        finally:
            # Also reached when a wrapper (compression) drops this iterator without close().
            self.close()

    def close(self) -> None:
        """Release the worker."""
        self.answer.close()


def _description_or_editor() -> Response:
    choice = negotiation.negotiate(
        (*SD_FORMATS, negotiation.HTML),
        request.headers.get("Accept"),
        request.args.getlist("format"),
    )
    if choice.format is negotiation.HTML:
        response = editor_page()
        response.vary.add("Accept")
        return response
    return service_description(choice.format)


def service_description(fmt: negotiation.Format = negotiation.TURTLE) -> Response:
    """The service description in ``fmt`` (Turtle unless the client chose another)."""
    store = knowledge_store()
    statistics = store.statistics()
    triples = description.describe(
        url_for("sparql.endpoint", _external=True),
        store.base_uri,
        limits(),
        statistics.triples,
        statistics.graph_triples,
    )
    chunks: list[bytes] = []
    write_graph(
        triples,
        fmt,
        {**current_app.config["PREFIXES"], "sd": description.SD, "void": description.VOID},
        chunks.append,
    )
    response = Response(b"".join(chunks), content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


def editor_context() -> dict[str, Any]:
    """What the query editor page needs: prefixes, examples, the endpoint's address, and for
    its result views the base URI (which IRIs are ours), the app's root (where their pages
    are) and the VoID description (which classes and properties to complete)."""
    base_uri = knowledge_store().base_uri
    examples = current_app.extensions["ftkg.examples"]
    return {
        "prefixes": current_app.config["PREFIXES"],
        "examples": examples,
        "examples_for_editor": [
            {
                "name": e.name,
                "title": e.title("en"),
                "description": e.description("en"),
                "query": e.for_editor(base_uri),
            }
            for e in examples
        ],
        "endpoint": url_for("sparql.endpoint", _external=True),
        "limits": limits(),
        "base": base_uri,
        "root": url_for("home.index"),
        "void_description": url_for("void.description"),
    }


def editor_page() -> Response:
    """The query editor page, under the policy YASGUI needs (``server.security``)."""
    response = Response(
        render_template("sparql.html", **editor_context()), mimetype=negotiation.HTML.media_type
    )
    response.headers["Content-Security-Policy"] = security.EDITOR_POLICY
    return response


@bp.get("/query")
def editor() -> Response:
    """The query editor, at an address of its own."""
    return editor_page()
