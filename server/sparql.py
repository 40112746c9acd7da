"""The SPARQL endpoint at /sparql (SPARQL 1.1 Protocol, https://www.w3.org/TR/sparql11-protocol/)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from server import negotiation
from server.errors import BadRequest, NotAcceptable, UnsupportedMediaType
from server.queries import QueryFailed, execute
from server.web import knowledge_store

bp = Blueprint("sparql", __name__)


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a query sent by GET or POST (Protocol §2.1.1–2.1.3)."""
    text = _query_text()
    store = knowledge_store()
    try:
        result = execute(store, text)
    except QueryFailed as error:
        raise BadRequest(str(error)) from None
    offered = negotiation.GRAPH_FORMATS if result.is_graph else negotiation.RESULT_FORMATS
    fmt = _format_for(offered)
    body = result.serialize(fmt, current_app.config["PREFIXES"])
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


def _query_text() -> str:
    if request.method == "GET":
        queries = request.args.getlist("query")
    else:
        content_type = request.mimetype
        if content_type == "application/x-www-form-urlencoded":
            queries = request.form.getlist("query")
        elif content_type == "application/sparql-query":
            try:
                queries = [request.get_data().decode("utf-8")]
            except UnicodeDecodeError:
                raise BadRequest("the request body is not valid UTF-8") from None
        else:
            raise UnsupportedMediaType(
                f"cannot read a query from a {content_type or 'typeless'} body; send "
                "application/x-www-form-urlencoded (query=...) or application/sparql-query"
            )
    if not queries:
        raise BadRequest("no query: pass the SPARQL query in the 'query' parameter")
    if len(queries) > 1:
        raise BadRequest("several 'query' parameters: send exactly one query per request")
    return queries[0]


def _format_for(offered: tuple[negotiation.Format, ...]) -> negotiation.Format:
    name = request.values.get("format")
    try:
        if name:
            return negotiation.by_name(name, offered)
        return negotiation.choose(
            request.accept_mimetypes, offered, request.headers.get("Accept", "")
        )
    except negotiation.UnknownFormatName as error:
        raise BadRequest(str(error)) from None
    except negotiation.NoAcceptableFormat as error:
        raise NotAcceptable(str(error)) from None
