"""Writes tests/unit/fixtures/win_powershell/*.json: win_powershell results in the recorded shape.

None of them was captured from hardware (there is no Windows here). Each is the envelope
ansible.windows 3.3.0's win_powershell returns, around what our scripts put into $Ansible.Result
(for survey_host: the reads of the simulator twin, as win_powershell returns them, of of examples/snapshots/two_nvme_server.json), and, for
failures, an error record laid out as win_powershell lays it out, with texts from dda-facts.md.
A test checks that the files are what this script writes; edit here and rerun to change them.
"""
import json
import os
import sys

from generated import write_or_check

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'tests', 'unit', 'fixtures', 'win_powershell')


def envelope(result=None, changed=False, failed=False, error=()):
    out = {'changed': changed, 'result': result if result is not None else {}, 'host_out': '', 'host_err': '',
           'output': [], 'error': list(error), 'warning': [], 'verbose': [], 'debug': [], 'information': [],
           'invocation': {'module_args': {'script': '<the script text, as sent>', 'parameters': {},
                                          'error_action': 'stop', 'depth': 10, 'arguments': None, 'chdir': None,
                                          'creates': None, 'removes': None, 'executable': None,
                                          'sensitive_parameters': None, 'path': None, 'remote_src': False}}}
    if failed:
        out['failed'] = True
    return out


def error_record(cmdlet, message, error_id, category, category_id, exception_type, line):
    return {
        'output': ('%s : %s\r\nAt line:%d char:5\r\n    + CategoryInfo          : %s: (:) [%s], %s\r\n'
                   '    + FullyQualifiedErrorId : %s\r\n'
                   % (cmdlet, message, line, category, cmdlet, exception_type.rsplit('.', 1)[-1], error_id)),
        'error_details': None,
        'exception': {'message': message, 'type': exception_type, 'help_link': None,
                      'source': 'Microsoft.HyperV.PowerShell.Cmdlets', 'hresult': -2146233088, 'inner_exception': None},
        'target_object': None,
        'category_info': {'category': category, 'category_id': category_id, 'activity': cmdlet,
                          'reason': exception_type.rsplit('.', 1)[-1], 'target_name': '', 'target_type': ''},
        'fully_qualified_error_id': error_id,
        'script_stack_trace': 'at <ScriptBlock>, <No file>: line %d' % line,
        'pipeline_iteration_info': [0, 0],
    }


def fixtures():
    sys.path.insert(0, ROOT)
    import conftest  # noqa: F401  (installs the collection finder)
    from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import parse
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.host import SimulatedHost
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.ps51 import emit
    from ansible_collections.hyperv.dda.plugins.plugin_utils.simulator.survey import survey_host

    with open(os.path.join(ROOT, 'examples', 'snapshots', 'two_nvme_server.json'), encoding='utf-8') as handle:
        doc = parse(handle.read())
    # The host's clock at the survey (the result carries it, for the lease): fixed, so that the fixture is the same
    # each time it is written.
    doc['clock'] = '2026-01-01T00:00:00Z'
    ok = envelope(emit(survey_host(SimulatedHost(doc), {})[0]))
    ok['_comment'] = ('Shape of a win_powershell result for survey_host.ps1 on a host like examples/snapshots/'
                      'two_nvme_server.json. Not captured from hardware (tools/make_recorded_fixtures.py).')
    bad = envelope(failed=True, error=[error_record(
        'Add-VMAssignableDevice', 'The specified device was not found.',
        'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.AddVmAssignableDevice', 'InvalidArgument', 5,
        'Microsoft.HyperV.PowerShell.VirtualizationException', 33)])
    bad['_comment'] = ('Shape of a win_powershell result when Add-VMAssignableDevice fails under error_action: stop '
                       '(texts from dda-facts.md 1.5 and 9.3). Not captured from hardware.')
    return {
        'survey_host_ok': ok,
        'add_vmassignabledevice_error': bad,
        'unreachable': {'unreachable': True, 'changed': False,
                        'msg': "ntlm: HTTPSConnectionPool(host='hv01.example.com', port=5986): Max retries exceeded"},
        'module_failure': {'failed': True, 'changed': False,
                           'msg': "Unhandled exception while executing module: The term 'Get-VMHost' is not recognized "
                                  "as the name of a cmdlet, function, script file, or operable program."},
    }


def main(check=False):
    return write_or_check(dict((os.path.join(OUT, name + '.json'), json.dumps(data, indent=2) + '\n')
                               for name, data in fixtures().items()), check)


if __name__ == '__main__':
    problems = main(check='--check' in sys.argv)
    for path in problems:
        print('out of date: %s' % path)
    sys.exit(1 if problems else 0)
