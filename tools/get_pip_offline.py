"""Offline stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test runs get-pip.py with `pip install` arguments to put pip into each sanity venv. The
host it downloads that script from is unreachable here, so tools/setup.sh places this file in
ansible-test's cache instead: it installs the bundled pip with ensurepip, then runs a normal
`pip install` with the same arguments. ensurepip runs in a subprocess so that the machine's pip
configuration (index mirrors, certificates) stays in force.
"""
import subprocess
import sys

UNSUPPORTED = {'--no-setuptools', '--no-wheel'}


def main():
    args = [arg for arg in sys.argv[1:] if arg not in UNSUPPORTED]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
    subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)


if __name__ == '__main__':
    main()
