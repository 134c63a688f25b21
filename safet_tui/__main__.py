import sys

from safet_tui.cli.main import main

sys.exit(main())
