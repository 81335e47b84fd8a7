"""The back office's statistics page and its CSV files (administrators only)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _

from app import charts
from app.access import access
from app.admin import statistics as stats
from app.formatting import date_fr
from app.rendering import render


def _kind_charts(table: stats.Table) -> list[tuple[str, str, charts.Chart]]:
    """One small line chart per kind of contribution, over the same weeks."""
    out = []
    for kind in stats.KINDS:
        label = str(stats.KIND_LABELS[kind])
        chart = charts.line_chart(
            f"chart-{kind}",
            _("%(kind)s par semaine", kind=label),
            [(week, float(n)) for week, n in table.column(kind)],
            describe=lambda d, v: _("semaine du %(date)s : %(n)s", date=date_fr(d), n=charts.number_fr(v)),
            empty=_("Aucune contribution."),
            x_format="%d/%m",
            radius=2.5,
        )
        out.append((kind, label, chart))
    return out


def _totals(table: stats.Table) -> list[tuple[str, float]]:
    return [(str(label), float(sum(counts.values()))) for label, counts in table.rows]


@access("admin.access")
def statistics():
    filters = stats.Filters.parse(request.args)
    units = stats.unit_choices()
    weekly = stats.per_week(filters)
    per_unit = stats.by_unit(filters, units)
    per_domain = stats.by_domain(filters)
    funnels = stats.funnels()
    return render(
        "admin/statistics.html",
        filters=filters,
        units=units,
        domains=stats.domain_choices(),
        kinds=[(k, stats.KIND_LABELS[k]) for k in stats.KINDS],
        weekly=weekly,
        weekly_charts=_kind_charts(weekly),
        per_unit=per_unit,
        unit_chart=charts.bar_chart(
            "chart-units",
            _("Contributions par unité territoriale, sur %(n)d semaines", n=stats.WEEKS),
            _totals(per_unit),
            empty=_("Aucune unité territoriale."),
        ),
        per_domain=per_domain,
        domain_chart=charts.bar_chart(
            "chart-domains",
            _("Contributions par domaine, sur %(n)d semaines", n=stats.WEEKS),
            _totals(per_domain),
            empty=_("Aucun domaine."),
        ),
        funnels=[
            (
                funnel,
                charts.bar_chart(
                    f"chart-call-{funnel.call_id}",
                    _("Entonnoir de l'appel « %(title)s »", title=funnel.title),
                    [(label, float(n)) for label, n in funnel.stages],
                    empty="",
                ),
            )
            for funnel in funnels
        ],
        weeks=stats.WEEKS,
    )


def _csv(name: str, body: str) -> Response:
    # The BOM makes spreadsheet programs read the accents right, as the ranking's CSV does.
    return Response(
        "\ufeff" + body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}.csv"'}
    )


@access("admin.access")
def statistics_csv(name: str):
    filters = stats.Filters.parse(request.args)
    if name == "semaines":
        body = stats.table_csv("semaine", stats.per_week(filters))
    elif name == "unites":
        body = stats.table_csv("unite_territoriale", stats.by_unit(filters, stats.unit_choices()))
    elif name == "domaines":
        body = stats.table_csv("domaine", stats.by_domain(filters))
    elif name == "appels":
        body = stats.funnels_csv(stats.funnels())
    else:
        abort(404)
    return _csv(f"statistiques-{name}", body)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/statistiques", view_func=statistics)
    bp.add_url_rule("/statistiques/<name>.csv", view_func=statistics_csv)
