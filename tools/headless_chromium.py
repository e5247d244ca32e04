"""A headless Chromium (Debian's ``chromium``) driven over its DevTools pipe, with the standard library only: open a
page in a viewport of an exact size, run an expression in it, and take a screenshot of the whole page.

The DevTools pipe (``--remote-debugging-pipe``): Chromium reads commands from file descriptor 3 and writes answers and
events to descriptor 4, each one JSON message ended by a NUL byte. It sets the viewport exactly
(``Emulation.setDeviceMetricsOverride``), where ``--window-size`` cannot go below 500 px in headless mode and
``--dump-dom`` cannot measure anything. Used by tools/make_audit_screenshot.sh and the audit page's browser test.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

# The network is closed and the profile is new: nothing to fetch, sync or update (and root needs --no-sandbox).
FLAGS = ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars',
         '--remote-debugging-pipe')
TIMEOUT = 120


class BrowserError(Exception):
    pass


def find():
    """The path of Debian's chromium, or None."""
    return shutil.which('chromium')


class Chromium:
    """``with Chromium() as browser: page = browser.open(url, width)``; every call waits at most TIMEOUT seconds."""

    def __init__(self, binary=None):
        self.binary = binary or find()
        if not self.binary:
            raise BrowserError("Chromium is missing: tools/setup.sh installs Debian's chromium (as root).")
        self.profile = tempfile.mkdtemp(prefix='hyperv-dda-chromium-')
        commands, self._to_browser = os.pipe()
        self._from_browser, answers = os.pipe()

        def descriptors():
            # Where Chromium looks for the pipe: its commands on 3, its answers on 4. Both are first copied above 9,
            # so that neither copy overwrites the other (os.dup2 also makes them inheritable).
            high = [fcntl.fcntl(descriptor, fcntl.F_DUPFD, 10) for descriptor in (commands, answers)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.process = subprocess.Popen([self.binary] + list(FLAGS) + ['--user-data-dir=%s' % self.profile,
                                                                       'about:blank'],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, preexec_fn=descriptors, close_fds=False)
        os.close(commands)
        os.close(answers)
        self._buffer = b''
        self._next_id = 0
        self._events = []

    def __enter__(self):
        return self

    def __exit__(self, *dummy):
        self.close()

    def close(self):
        try:
            self.call('Browser.close')
        except (BrowserError, OSError):
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for descriptor in (self._to_browser, self._from_browser):
            try:
                os.close(descriptor)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read(self, deadline):
        while b'\0' not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError('Chromium did not answer within %d s.' % TIMEOUT)
            ready, dummy, dummy = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise BrowserError('Chromium closed its DevTools pipe (exit code %s).' % self.process.poll())
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b'\0', 1)
        return json.loads(message)

    def call(self, method, session=None, **params):
        """Send one command and return its result; events that arrive meanwhile are kept for wait_for."""
        self._next_id += 1
        message = {'id': self._next_id, 'method': method, 'params': params}
        if session:
            message['sessionId'] = session
        os.write(self._to_browser, json.dumps(message).encode() + b'\0')
        deadline = time.monotonic() + TIMEOUT
        while True:
            answer = self._read(deadline)
            if answer.get('id') == self._next_id:
                if 'error' in answer:
                    raise BrowserError('%s failed: %s' % (method, answer['error'].get('message')))
                return answer.get('result', {})
            self._events.append(answer)

    def wait_for(self, method, session):
        deadline = time.monotonic() + TIMEOUT
        while True:
            for event in self._events:
                if event.get('method') == method and event.get('sessionId') == session:
                    self._events.remove(event)
                    return event
            self._events.append(self._read(deadline))

    def open(self, url, width, height=900):
        """A new tab showing ``url`` in a ``width`` x ``height`` CSS px viewport (scale 1, not a phone), loaded."""
        target = self.call('Target.createTarget', url='about:blank')['targetId']
        session = self.call('Target.attachToTarget', targetId=target, flatten=True)['sessionId']
        self.call('Emulation.setDeviceMetricsOverride', session, width=width, height=height, deviceScaleFactor=1,
                  mobile=False)
        self.call('Page.enable', session)
        self.call('Page.navigate', session, url=url)
        self.wait_for('Page.loadEventFired', session)
        return Page(self, session, width)


class Page:
    def __init__(self, browser, session, width):
        self.browser, self.session, self.width = browser, session, width

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (JSON-able)."""
        result = self.browser.call('Runtime.evaluate', self.session, expression=expression, returnByValue=True)
        if 'exceptionDetails' in result:
            raise BrowserError('The page script failed: %s' % result['exceptionDetails'].get('text'))
        return result['result'].get('value')

    def screenshot(self, path, height=None):
        """A PNG of the page from its top: ``height`` CSS px of it, or all of it."""
        height = height or self.evaluate('document.documentElement.scrollHeight')
        shot = self.browser.call('Page.captureScreenshot', self.session, format='png', captureBeyondViewport=True,
                                 clip={'x': 0, 'y': 0, 'width': self.width, 'height': height, 'scale': 1})
        with open(path, 'wb') as handle:
            handle.write(base64.b64decode(shot['data']))
        return path


def main(argv):
    """``headless_chromium.py PAGE WIDTH=PNG...``: a screenshot of the whole page at each viewport width."""
    import sys
    if len(argv) < 2 or not all('=' in shot and shot.split('=', 1)[0].isdigit() for shot in argv[1:]):
        sys.exit('usage: headless_chromium.py PAGE WIDTH=PNG [WIDTH=PNG ...]  (a whole-page screenshot at each width)')
    url = 'file://%s' % os.path.abspath(argv[0])
    with Chromium() as browser:
        for shot in argv[1:]:
            width, path = shot.split('=', 1)
            browser.open(url, int(width)).screenshot(path)
            print('wrote %s (%s px wide)' % (path, width))


if __name__ == '__main__':
    import sys
    main(sys.argv[1:])
