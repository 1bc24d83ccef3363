"""PyInstaller hook for keyring: its backends are found through entry points and imported by name.

Without the package metadata keyring sees no entry points and falls back to the fail backend;
without the backend modules the entry points name modules the bundle does not contain.
"""

from PyInstaller.utils.hooks import collect_submodules, copy_metadata

datas = copy_metadata("keyring")
hiddenimports = collect_submodules("keyring.backends") + [
    "secretstorage",
    "jeepney",
    "jeepney.io.blocking",
]
