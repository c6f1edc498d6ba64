from lnpilot.cli.main import run

run()
