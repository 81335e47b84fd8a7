"""``flask`` commands: demo data, the e-mail outbox and the benchmark data set."""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import select

from app.auth.first_run import create_administrator
from app.demo import DEMO_PASSWORD
from app.demo_presets import ACCOUNTS, DEFAULT_PRESET, PRESETS, UnknownPreset, load_preset, loaded_preset
from app.errors import RuleError
from app.extensions import db
from app.models import User
from app.notifications.services import send_digests
from app.outbox import send_pending, smtp_configured
from app.territory import (
    TerritoryError,
    create_unit,
    import_communes,
    load_slice,
    parse_upload,
    shipped_slices,
    unit_named,
)


def register_cli(app: Flask) -> None:
    @app.cli.group()
    def demo() -> None:
        """Données de démonstration."""

    @demo.command("load")
    @click.option("--force", is_flag=True, help="Charger même en production.")
    @click.option(
        "--preset",
        default=DEFAULT_PRESET,
        show_default=True,
        help=f"Collectivité à charger ({', '.join(sorted(PRESETS))}), chacune sur sa propre base.",
    )
    def demo_load(force: bool, preset: str) -> None:
        """Charge une collectivité de démonstration : territoire, comptes, appel (idempotent)."""
        if current_app.config["TISSER_ENV"] == "production" and not force:
            raise click.ClickException("Refusé en production (ajoutez --force si c'est voulu).")
        try:
            load_preset(preset)
        except UnknownPreset as error:
            raise click.ClickException(str(error)) from None
        click.echo("Données de démonstration chargées.")
        _print_accounts()

    @demo.command("accounts")
    def demo_accounts_cmd() -> None:
        """Affiche les comptes de démonstration."""
        _print_accounts()

    def _print_accounts() -> None:
        names = {email: name for email, name in db.session.execute(select(User.email, User.display_name))}
        click.echo(f"Comptes de démonstration (mot de passe commun : {DEMO_PASSWORD}) :")
        # The accounts of the preset this database holds (each preset has its own database).
        for account in ACCOUNTS[loaded_preset()]():
            click.echo(f"  {account.email:<42} {names.get(account.email, account.display_name):<28} {account.role}")

    @app.cli.group()
    def setup() -> None:
        """Premier démarrage d'une plateforme vide."""

    # Prompted when run by hand; an automated deployment sets the TISSER_ADMIN_* variables instead
    # (click reads an option's variable before prompting).
    @setup.command("admin")
    @click.option("--email", envvar="TISSER_ADMIN_EMAIL", prompt="Adresse e-mail", help="ou TISSER_ADMIN_EMAIL")
    @click.option(
        "--name", envvar="TISSER_ADMIN_NAME", default="Administration", show_default=True, help="ou TISSER_ADMIN_NAME"
    )
    @click.option(
        "--password",
        envvar="TISSER_ADMIN_PASSWORD",
        prompt="Mot de passe",
        hide_input=True,
        confirmation_prompt="Mot de passe (encore)",
        help="ou TISSER_ADMIN_PASSWORD (jamais en clair dans l'historique du shell)",
    )
    @click.option("--another", is_flag=True, help="Ajouter un administrateur alors qu'il en existe déjà.")
    def setup_admin(email: str, name: str, password: str, another: bool) -> None:
        """Crée le premier compte d'administration (refusé s'il en existe déjà un)."""
        try:
            user = create_administrator(email, name, password, another=another)
        except RuleError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"Compte d'administration créé : {user.email}.")
        click.echo("Connectez-vous, puis réglez la collectivité dans l'administration : /admin")

    @app.cli.group()
    def territory() -> None:
        """Le territoire : communes officielles (codes INSEE) et unités."""

    @territory.command("import")
    @click.option("--slice", "slice_key", help=f"Une liste fournie : {', '.join(shipped_slices())}.")
    @click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), help="Un fichier .json ou .csv.")
    @click.option("--unit", help="L'unité où ranger les nouvelles communes (créée si elle n'existe pas).")
    def territory_import(slice_key: str | None, path: str | None, unit: str | None) -> None:
        """Crée ou met à jour les communes par code INSEE (relancer ne crée aucun doublon)."""
        if bool(slice_key) == bool(path):
            raise click.UsageError("Indiquez soit --slice, soit --file.")
        try:
            if slice_key:
                communes = load_slice(slice_key).communes
            else:
                with open(path, "rb") as f:
                    communes = parse_upload(path, f.read())
            pole = (unit_named(unit) or create_unit(unit)) if unit else None
            report = import_communes(communes, pole)
        except TerritoryError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        db.session.commit()
        click.echo(
            f"{len(report.created)} commune(s) créée(s), {len(report.updated)} mise(s) à jour, "
            f"{report.unchanged} inchangée(s)."
        )

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
    def exports() -> None:
        """Copies de leurs données demandées par les personnes (RGPD)."""

    @exports.command("build")
    def exports_build() -> None:
        """Prépare les copies en attente et envoie leur lien (à lancer toutes les quelques minutes)."""
        from app.mydata.services import build_pending

        built, failed = build_pending()
        click.echo(f"{built} copie(s) préparée(s), {failed} échec(s).")

    @app.cli.group()
    def retention() -> None:
        """Durées de conservation des données personnelles."""

    @retention.command("purge")
    def retention_purge() -> None:
        """Efface ce qui a dépassé sa durée de conservation (à lancer une fois par jour)."""
        from app.retention import purge

        counts = purge()
        click.echo("Effacé : " + ", ".join(f"{name} : {n}" for name, n in counts.items()) + ".")

    @app.cli.command("seed-large")
    @click.option("--proposals", default=10_000, show_default=True, help="Propositions publiées à créer.")
    @click.option("--comments", default=100_000, show_default=True, help="Commentaires à créer.")
    @click.option("--supports", default=200_000, show_default=True, help="Soutiens à créer.")
    @click.option("--force", is_flag=True, help="Accepter de le faire en production.")
    def seed_large_cmd(proposals: int, comments: int, supports: int, force: bool) -> None:
        """Crée un grand jeu de données pour les mesures de performance (après le territoire de démonstration)."""
        from app.seed import SEED_PASSWORD, seed_large

        if current_app.config["TISSER_ENV"] == "production" and not force:
            raise click.ClickException("Refusé en production (ajoutez --force si c'est voulu).")
        try:
            result = seed_large(proposals=proposals, comments=comments, supports=supports)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        counts = ", ".join(f"{name} : {n}" for name, n in result.counts.items())
        click.echo(f"Jeu de données créé en {result.seconds:.1f} s ({counts}).")
        click.echo(f"Proposition avec {result.heavy_comments} commentaires : /propositions/{result.heavy_proposal_id}")
        click.echo(f"Mot de passe des comptes créés (seedNNN@tisser.seed) : {SEED_PASSWORD}")

    @app.cli.group()
    def notifications() -> None:
        """Notifications par courriel."""

    @notifications.command("send-digests")
    def notifications_send_digests() -> None:
        """Met dans la boîte d'envoi un résumé par personne (à lancer une fois par jour)."""
        count = send_digests()
        click.echo(f"{count} résumé(s) mis dans la boîte d'envoi.")
