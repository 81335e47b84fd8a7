"""``flask`` commands: demo data and the e-mail outbox."""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import select

from app.demo import DEMO_PASSWORD, demo_accounts, load_demo
from app.extensions import db
from app.models import User
from app.notifications.services import send_digests
from app.outbox import send_pending, smtp_configured


def register_cli(app: Flask) -> None:
    @app.cli.group()
    def demo() -> None:
        """Données de démonstration."""

    @demo.command("load")
    @click.option("--force", is_flag=True, help="Charger même en production.")
    def demo_load(force: bool) -> None:
        """Charge le territoire girondin et les comptes de démonstration (idempotent)."""
        if current_app.config["TISSER_ENV"] == "production" and not force:
            raise click.ClickException("Refusé en production (ajoutez --force si c'est voulu).")
        load_demo()
        click.echo("Données de démonstration chargées.")
        _print_accounts()

    @demo.command("accounts")
    def demo_accounts_cmd() -> None:
        """Affiche les comptes de démonstration."""
        _print_accounts()

    def _print_accounts() -> None:
        names = {email: name for email, name in db.session.execute(select(User.email, User.display_name))}
        click.echo(f"Comptes de démonstration (mot de passe commun : {DEMO_PASSWORD}) :")
        for account in demo_accounts():
            click.echo(f"  {account.email:<42} {names.get(account.email, account.display_name):<28} {account.role}")

    @app.cli.group()
    def outbox() -> None:
        """Boîte d'envoi des courriels."""

    @outbox.command("send")
    def outbox_send() -> None:
        """Envoie les courriels en attente (SMTP requis)."""
        if not smtp_configured():
            click.echo("MAIL_SERVER n'est pas défini : les courriels restent dans la boîte d'envoi.")
            return
        sent, failed = send_pending()
        click.echo(f"{sent} courriel(s) envoyé(s), {failed} échec(s).")

    @app.cli.group()
    def notifications() -> None:
        """Notifications par courriel."""

    @notifications.command("send-digests")
    def notifications_send_digests() -> None:
        """Met dans la boîte d'envoi un résumé par personne (à lancer une fois par jour)."""
        count = send_digests()
        click.echo(f"{count} résumé(s) mis dans la boîte d'envoi.")
