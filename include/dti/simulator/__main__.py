"""``python -m dti.simulator --port P --token-file F``."""

from .server import main

main()
