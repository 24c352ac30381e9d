"""MLflow's reading of one filter condition, translated into modelreg's filter language.

MLflow's client appends ``tag.`mlflow.prompt.is_prompt` != 'true'`` to every model search,
and MLflow's server reads it as "not a prompt", which models without that tag are. In
modelreg's language (and in MLflow's for every other tag) ``tags.k != 'v'`` needs the tag
to exist, so that one condition becomes ``tags.k IS NULL OR tags.k != 'v'`` here: parsed
and printed by the one parser, never edited as text.
"""

from __future__ import annotations

from modelreg.query.filter import And, Compare, Field, IsNull, Node, Not, Or, parse, render

PROMPT_TAG = "mlflow.prompt.is_prompt"
_PROMPT_FIELD = Field("tags", (PROMPT_TAG,))


def _rewrite(node: Node) -> Node:
    if isinstance(node, And):
        return And(tuple(_rewrite(n) for n in node.items))
    if isinstance(node, Or):
        return Or(tuple(_rewrite(n) for n in node.items))
    if isinstance(node, Not):
        return Not(_rewrite(node.item))
    if isinstance(node, Compare) and node.field == _PROMPT_FIELD and node.op == "!=":
        return Or((IsNull(node.field), node))
    return node


def translate(text: str | None) -> str | None:
    """The filter to hand to the services for an MLflow filter string."""
    if text is None or PROMPT_TAG not in text:
        return text
    return render(_rewrite(parse(text)))
