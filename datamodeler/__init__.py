"""datamodeler: discover the data model hidden in a warehouse, verified against its queries and data.

The Python API: what every command does, as functions on a ``DataModel`` (notebooks, Airflow/Dagster tasks, CI).

    import datamodeler as dm

    model, summary = dm.run_scan(dm.ScanOptions(url="sqlite:///shop.db", query_logs=["queries.sql"], out="shop.json"))
    dm.record_decisions("shop.json", accept=[model.relationships[0].id], by="ana")  # `review --accept`
    print(dm.export_erd(dm.load_model("shop.json"), "mermaid").single)             # `erd`
    dm.write_docs(model, "site", "html")                                            # `docs --format html`
    dm.ask_question("revenue per customer", model).sql                              # `ask`
    dm.check_model(model, dm.read_logs(["queries.sql"])).explained_share           # `check -q`
    dm.lineage_view(model, "orders.total", "upstream")                              # `lineage --upstream`
    dm.diff_models(dm.load_model("old.json"), model).empty                          # `diff`

Names are imported on first use, so ``import datamodeler`` stays instant. Errors derive from ``DatamodelerError``.
"""

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (type checkers treat the name alike)
__version__ = "0.1.0"

# public name -> the module that defines it (the one place the package root lists)
_EXPORTS: dict[str, str] = {
    # scan
    "run_scan": "scan", "ScanSummary": "scan", "ScanOptions": "scan_context", "CatalogFilter": "sources",
    "Settings": "config", "load_settings": "config",
    # the model and its file
    "DataModel": "model", "Table": "model", "Column": "model", "Relationship": "model", "Entity": "model",
    "Evidence": "model", "load_model": "store", "save_model": "store",
    # review
    "pending": "review", "apply_decisions": "review", "record_decisions": "review",
    # diagrams and docs
    "ErdOptions": "export.erd", "Export": "export", "export_erd": "export", "export_docs": "export",
    "write_erd": "export", "write_docs": "export",
    # ask, check, lineage, diff
    "AskOptions": "ask", "Answer": "ask", "ask_question": "ask",
    "CheckReport": "check", "check_model": "check", "read_logs": "querylog",
    "LineageView": "graph", "lineage_view": "graph", "build_graph": "graph",
    "ModelDiff": "diff", "diff_models": "diff",
    "DatamodelerError": "errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'datamodeler' has no attribute {name!r}")
    value = getattr(__import__(f"{__name__}.{module}", fromlist=[name]), name)  # no importlib: import stays instant
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # what type checkers and IDEs see; at run time ``__getattr__`` imports lazily
    from .ask import Answer, AskOptions, ask_question
    from .check import CheckReport, check_model
    from .config import Settings, load_settings
    from .diff import ModelDiff, diff_models
    from .errors import DatamodelerError
    from .export import Export, export_docs, export_erd, write_docs, write_erd
    from .export.erd import ErdOptions
    from .graph import LineageView, build_graph, lineage_view
    from .model import Column, DataModel, Entity, Evidence, Relationship, Table
    from .querylog import read_logs
    from .review import apply_decisions, pending, record_decisions
    from .scan import ScanSummary, run_scan
    from .scan_context import ScanOptions
    from .sources import CatalogFilter
    from .store import load_model, save_model
