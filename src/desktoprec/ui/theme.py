"""The app's light and dark looks: one colour table per theme, the palette and the stylesheet
filled from it, switched live, following the system's dark/light preference by default."""

from __future__ import annotations

import logging
from pathlib import Path
from string import Template

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

log = logging.getLogger(__name__)

THEME_CHOICES = ("system", "light", "dark")
THEME_WORDS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}

# Every colour the app uses: its name, then its light and dark shade. Widgets take theirs from the
# palette or the stylesheet filled from this table; none keeps a colour of its own.
_SHADES: tuple[tuple[str, str, str], ...] = (
    ("window", "#f3f3f5", "#232428"),
    ("window_text", "#1b1c20", "#e6e6e9"),
    ("base", "#ffffff", "#1a1b1e"),
    ("alternate_base", "#f0f1f4", "#26272b"),
    ("text", "#1b1c20", "#e6e6e9"),
    ("muted", "#50535a", "#a9abb2"),
    ("button", "#e6e7eb", "#33353a"),
    ("button_text", "#1b1c20", "#e6e6e9"),
    ("highlight", "#2a62a8", "#3b6fb0"),
    ("highlighted_text", "#ffffff", "#ffffff"),
    ("tooltip_base", "#ffffe8", "#33353a"),
    ("tooltip_text", "#1b1c20", "#e6e6e9"),
    ("placeholder", "#5f626a", "#9c9ea5"),
    ("link", "#1b57a3", "#8ab4f0"),
    ("border", "#c4c6cc", "#45474d"),
    ("nav", "#e8e9ee", "#1d1e21"),
    ("banner", "#fdf1cf", "#3d3620"),
    ("banner_text", "#3b2f00", "#f3e7bf"),
    ("disabled_text", "#8a8c92", "#7c7e85"),
    ("new_list", "#dcebfb", "#1f3550"),
    ("card_selected", "#dce6f4", "#2b3a50"),
)
COLOURS: dict[str, dict[str, str]] = {
    "light": {name: light for name, light, _dark in _SHADES},
    "dark": {name: dark for name, _light, dark in _SHADES},
}

_ROLES = {
    QPalette.ColorRole.Window: "window", QPalette.ColorRole.WindowText: "window_text",
    QPalette.ColorRole.Base: "base", QPalette.ColorRole.AlternateBase: "alternate_base",
    QPalette.ColorRole.Text: "text", QPalette.ColorRole.Button: "button",
    QPalette.ColorRole.ButtonText: "button_text", QPalette.ColorRole.Highlight: "highlight",
    QPalette.ColorRole.HighlightedText: "highlighted_text",
    QPalette.ColorRole.ToolTipBase: "tooltip_base", QPalette.ColorRole.ToolTipText: "tooltip_text",
    QPalette.ColorRole.PlaceholderText: "placeholder", QPalette.ColorRole.Link: "link",
    QPalette.ColorRole.BrightText: "highlighted_text",
}


def palette_for(theme: str) -> QPalette:
    """The full palette of `theme` ("light" or "dark"), disabled colours included."""
    colours = COLOURS[theme]
    palette = QPalette()
    for role, key in _ROLES.items():
        palette.setColor(role, QColor(colours[key]))
    mid = QColor(colours["border"])
    for role in (QPalette.ColorRole.Mid, QPalette.ColorRole.Dark, QPalette.ColorRole.Shadow):
        palette.setColor(role, mid.darker(130) if role != QPalette.ColorRole.Mid else mid)
    palette.setColor(QPalette.ColorRole.Light, QColor(colours["base"]))
    palette.setColor(QPalette.ColorRole.Midlight, QColor(colours["alternate_base"]))
    disabled = QColor(colours["disabled_text"])
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def stylesheet_for(theme: str, template: str | None = None) -> str:
    """resources/style.qss with `$name` filled from the theme's colour table."""
    text = load_template() if template is None else template
    return Template(text).safe_substitute(COLOURS[theme])


def load_template() -> str:
    import desktoprec

    path = Path(desktoprec.__file__).parent / "resources" / "style.qss"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:  # the app still works on the palette alone
        log.warning("style sheet %s not readable: %s", path, exc)
        return ""


def system_theme(app: QApplication) -> str:
    """The system's preference ("dark" or "light"; light when the platform does not say)."""
    try:
        scheme = app.styleHints().colorScheme()
    except AttributeError:  # Qt before 6.5
        return "light"
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def relative_luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF()))


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21; 4.5 is the floor for body text)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


class ThemeManager(QObject):
    """Applies a theme choice to the whole app and keeps "system" in step with the desktop."""

    changed = Signal(str)  # the theme now shown: "light" or "dark"

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        self.choice = "system"
        self.current = ""
        self._template = load_template()
        style = QStyleFactory.create("Fusion")
        if style is not None:  # one style on every platform: the palette decides the colours
            app.setStyle(style)
        try:
            app.styleHints().colorSchemeChanged.connect(self._on_system_changed)
        except AttributeError:
            log.info("this Qt does not report the system's colour scheme")

    def apply(self, choice: str) -> str:
        """Show `choice` ("system", "light" or "dark") now; returns the theme shown."""
        self.choice = choice if choice in THEME_CHOICES else "system"
        theme = system_theme(self.app) if self.choice == "system" else self.choice
        if theme != self.current:
            self.current = theme
            self.app.setPalette(palette_for(theme))
            # setting the sheet again re-polishes every widget, so none keeps old colours
            self.app.setStyleSheet(stylesheet_for(theme, self._template))
            log.info("theme: %s (chosen: %s)", theme, self.choice)
            self.changed.emit(theme)
        return theme

    def _on_system_changed(self, _scheme: object) -> None:
        if self.choice == "system":
            self.apply("system")


def theme_manager(app: QApplication | None = None) -> ThemeManager:
    """The app's one ThemeManager (made on first use)."""
    global _MANAGER
    app = app or QApplication.instance()  # type: ignore[assignment]
    assert isinstance(app, QApplication)
    if _MANAGER is None or _MANAGER.app is not app:
        _MANAGER = ThemeManager(app)
    return _MANAGER


_MANAGER: ThemeManager | None = None
