"""Alerts: a failed Airflow task is written to ``ops.alerts`` and, if configured, POSTed to a
webhook (``DTI_ALERT_WEBHOOK``) and mailed (``DTI_ALERT_EMAIL`` through ``DTI_SMTP_HOST``).

The DAGs set :func:`on_task_failure` as every task's ``on_failure_callback``. An alert that cannot
be delivered is logged, never raised: the task's own failure is what Airflow must report.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from dti.config import Settings, load_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    dag_id: str
    task_id: str | None
    run_id: str | None
    logical_date: datetime | None
    try_number: int | None
    error: str

    @property
    def subject(self) -> str:
        return f"[dti] {self.dag_id}.{self.task_id} failed ({self.run_id})"

    def payload(self) -> dict[str, Any]:
        data = asdict(self)
        data["logical_date"] = self.logical_date.isoformat() if self.logical_date else None
        return data


def from_context(context: dict[str, Any]) -> Alert:
    """The alert for a failed task instance, from Airflow's callback context."""
    ti = context.get("ti") or context.get("task_instance")
    dag = context.get("dag")
    error = context.get("exception")
    return Alert(
        dag_id=getattr(ti, "dag_id", None) or getattr(dag, "dag_id", "?"),
        task_id=getattr(ti, "task_id", None),
        run_id=getattr(ti, "run_id", None) or context.get("run_id"),
        logical_date=context.get("logical_date"),
        try_number=getattr(ti, "try_number", None),
        error=(f"{type(error).__name__}: {error}" if error else "failed")[:4000],
    )


def raise_alert(settings: Settings, alert: Alert, dsn: str | None = None) -> list[str]:
    """Record the alert and send it where configured; returns where it went."""
    sent: list[str] = []
    if settings.alert_webhook:
        try:
            import httpx

            httpx.post(settings.alert_webhook, json=alert.payload(), timeout=10).raise_for_status()
            sent.append("webhook")
        except Exception:
            log.exception("could not POST the alert to %s", settings.alert_webhook)
    if settings.alert_email:
        try:
            _mail(settings, alert)
            sent.append("email")
        except Exception:
            log.exception("could not mail the alert to %s", settings.alert_email)
    try:
        _record(settings, alert, ",".join(sent) or None, dsn)
        sent.insert(0, "ops.alerts")
    except Exception:
        log.exception("could not write the alert to ops.alerts")
    return sent


def _record(settings: Settings, alert: Alert, notified: str | None, dsn: str | None) -> None:
    import psycopg

    from dti.warehouse import OPS_DDL, warehouse_url

    with psycopg.connect(dsn or warehouse_url(settings), connect_timeout=10) as conn:
        conn.execute("create schema if not exists ops")
        conn.execute(OPS_DDL)
        conn.execute(
            "insert into ops.alerts (dag_id, task_id, run_id, logical_date, try_number, error, "
            "notified) values (%s, %s, %s, %s, %s, %s, %s)",
            (
                alert.dag_id,
                alert.task_id,
                alert.run_id,
                alert.logical_date,
                alert.try_number,
                alert.error,
                notified,
            ),
        )


def _mail(settings: Settings, alert: Alert) -> None:
    if not settings.smtp_host:
        raise RuntimeError("DTI_ALERT_EMAIL is set but DTI_SMTP_HOST is not")
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = f"dti-warehouse@{settings.smtp_host}"
    message["To"] = settings.alert_email
    message.set_content(
        "\n".join(f"{k}: {v}" for k, v in alert.payload().items())
        + "\n\nSee `dti status` for the failed and quarantined batches."
    )
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)


def on_task_failure(context: dict[str, Any]) -> None:
    """Airflow ``on_failure_callback``: record and send the alert."""
    alert = from_context(context)
    where = raise_alert(load_settings(), alert)
    log.warning("alert for %s.%s sent to %s", alert.dag_id, alert.task_id, where or "nowhere")
