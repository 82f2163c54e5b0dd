"""The installation code a cinema pastes (docs/webmasters.md), as the console and `artaud run` print it
for one cinema: its site key and the collector's public address, nothing to guess. IO-free."""

from __future__ import annotations

STUB = "window.artaud=window.artaud||function(){(artaud.q=artaud.q||[]).push(arguments)}"


def snippet(public_url: str, site_key: str) -> str:
    """The installation snippet (docs/webmasters.md): the API stub, the tag, the no-JavaScript pixel."""
    return (
        f"<script>{STUB}</script>\n"
        f'<script defer src="{public_url}/c/t.js" data-site="{site_key}"></script>\n'
        f'<noscript><img src="{public_url}/c/p.gif?k={site_key}&amp;n=page_view" alt="" width="1" height="1" '
        f'style="position:absolute"></noscript>'
    )


def gtm_snippet(public_url: str, site_key: str) -> str:
    """The snippet as a Google Tag Manager Custom HTML tag holds it (no <noscript>, no `defer`: an
    injected script runs when it arrives, and the tag finds the page's film whenever that is)."""
    return f'<script>{STUB}</script>\n<script src="{public_url}/c/t.js" data-site="{site_key}"></script>'


PRIVACY_URL = "https://scare.example/vie-privee"


def tarteaucitron_service(privacy_url: str = PRIVACY_URL) -> str:
    """The SCARE's service for tarteaucitron.js, to declare after `tarteaucitron.init(...)`
    (docs/webmasters.md, section 4: the browser tests load this very block)."""
    return (
        "tarteaucitron.services.artaud = {\n"
        '  key: "artaud",\n'
        '  type: "analytic",\n'
        '  name: "Audience mutualisée Art et Essai (SCARE)",\n'
        f'  uri: "{privacy_url}",\n'
        "  needConsent: true,\n"
        '  cookies: ["artaud_id"],\n'
        "  js: function () {},\n"
        "  fallback: function () {}\n"
        "};\n"
        '(tarteaucitron.job = tarteaucitron.job || []).push("artaud");'
    )


def klaro_services(partners: tuple[tuple[str, str], ...] = ()) -> str:
    """The SCARE's service for `klaroConfig.services`, and one per partner agency (slug, name)."""
    lines = [
        '{name: "artaud", title: "Audience mutualisée Art et Essai (SCARE)", purposes: ["analytics"], default: false}'
    ]
    lines += [
        f'{{name: "artaud_{slug}", title: "Partage avec {name}", purposes: ["advertising"], default: false}}'
        for slug, name in partners
    ]
    return ",\n".join(lines)


def rights_snippet(public_url: str, site_key: str) -> str:
    """The link to the page « Vos données d'audience » for a cinema's privacy policy
    (docs/webmasters.md § 8): any element with `data-artaud-rights`, and the script that opens the
    page for this browser's id (`/c/r.js`, loaded on that page only, never by the tag)."""
    return (
        '<a href="#" data-artaud-rights>Vos données d\'audience</a>\n'
        f'<script defer src="{public_url}/c/r.js" data-site="{site_key}"></script>'
    )
