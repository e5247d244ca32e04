# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Argument-spec pieces shared by several modules (checked against each module's docs by a test)."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hyperv.dda.plugins.module_utils.bounds import ALLOCATION_UNIT_SIZE, DISK_NUMBER, \
    LEASE_DURATION, LEASE_TIMEOUT, SHUTDOWN_TIMEOUT, STARTUP_BYTES, checked_number
from ansible_collections.hyperv.dda.plugins.module_utils.errors import DDAError
from ansible_collections.hyperv.dda.plugins.module_utils.guest_plans import DISK_SELECTORS
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import DEVICE_SELECTORS

DEVICE_SELECTOR_SPEC = dict((name, {'type': 'str'}) for name in DEVICE_SELECTORS)
DEVICE_SELECTOR_RULES = {
    'mutually_exclusive': [list(DEVICE_SELECTORS)],
    'required_one_of': [list(DEVICE_SELECTORS)],
}

VM_NAME_SPEC = {'vm_name': {'type': 'str', 'required': True}}

# Every host module: a snapshot to plan from instead of surveying the host (the role hands its own).
SURVEY_SPEC = {'survey': {'type': 'dict'}}

# The VM settings the role changes for DDA, kept as they were so that a release can give them back.
PREVIOUS_SPEC = {'previous': {'type': 'str', 'choices': ['remember', 'forget']}}


def spec(*parts, **options):
    """One argument spec from shared parts and the module's own options."""
    merged = {}
    for part in parts + (options,):
        merged.update(part)
    return merged


# guest_nvme_disk: one spec for both guests. The action plugin validates it on the controller; the
# Python module that does the work in a Linux guest validates it again there. Options that do not
# apply to the guest's OS are refused by that OS's planner (guest_plans, linux_disk_plans).
GUEST_DISK_SPEC = {
    'serial_number': {'type': 'str'},
    'adapter_serial_number': {'type': 'str'},
    'unique_id': {'type': 'str'},
    'disk_number': {'type': 'int'},
    'partition_style': {'type': 'str', 'default': 'gpt', 'choices': ['gpt', 'mbr']},
    'file_system': {'type': 'str', 'choices': ['ntfs', 'refs', 'ext4', 'xfs']},
    'label': {'type': 'str'},
    'drive_letter': {'type': 'str'},
    'access_path': {'type': 'str'},
    'allocation_unit_size': {'type': 'int'},
    'mount_point': {'type': 'str'},
    'mount_options': {'type': 'str'},
    'fstab': {'type': 'str'},
    'state': {'type': 'str', 'default': 'formatted', 'choices': ['formatted', 'online']},
    'force': {'type': 'bool', 'default': False},
    'vm_name': {'type': 'str'},
    # Windows guests: a guest survey to plan from instead of surveying the guest (the role hands its own).
    'survey': {'type': 'dict'},
    'guest_credential': {'type': 'dict', 'options': {
        'username': {'type': 'str', 'required': True},
        'password': {'type': 'str', 'required': True, 'no_log': True},
    }},
}
GUEST_DISK_RULES = {
    'mutually_exclusive': [list(DISK_SELECTORS), ['drive_letter', 'access_path']],
    'required_one_of': [list(DISK_SELECTORS)],
    'required_together': [['vm_name', 'guest_credential']],
}


# The role nvme_passthrough: its variables, validated and converted once, by this spec, wherever they are read
# (the module nvme_passthrough_plan, whose options they are, and the filter the audit plans with). Messages
# name the variables as the user wrote them. tools/make_role_specs.py writes from this spec the role's
# meta/argument_specs.yml (all but its prose), defaults/main.yml, the variables its plan task passes, and the doc
# fragment nvme_passthrough_variables (the plan module's options); tests/unit/plugins/test_role_specs.py fails when
# a written file is not what the tool writes from this spec.
ROLE_PREFIX = 'nvme_passthrough_'
DEVICE_ENTRY_SPEC = {
    'location_path': {'type': 'str'},
    'instance_id': {'type': 'str'},
    'serial_number': {'type': 'str'},
    'drive_letter': {'type': 'str'},
    'access_path': {'type': 'str'},
    'mount_point': {'type': 'str'},
    'mount_options': {'type': 'str'},
    'label': {'type': 'str'},
    'file_system': {'type': 'str', 'choices': ['ntfs', 'refs', 'ext4', 'xfs']},
}
PASSTHROUGH_SPEC = dict((ROLE_PREFIX + name, option) for name, option in {
    'vm_name': {'type': 'str', 'required': True},
    'devices': {'type': 'list', 'elements': 'dict', 'required': True, 'options': DEVICE_ENTRY_SPEC},
    'state': {'type': 'str', 'default': 'present', 'choices': ['present', 'absent']},
    'allow_vm_restart': {'type': 'bool', 'default': False},
    'shutdown_timeout': {'type': 'int', 'default': 300},
    'stop_action': {'type': 'str', 'default': 'TurnOff', 'choices': ['TurnOff', 'ShutDown']},
    'disable_dynamic_memory': {'type': 'bool', 'default': False},
    'allow_mounted_volumes': {'type': 'bool', 'default': False},
    'guest': {'type': 'str', 'default': 'none', 'choices': ['none', 'powershell_direct', 'inventory']},
    'guest_credential': {'type': 'dict', 'options': {
        'username': {'type': 'str', 'required': True},
        'password': {'type': 'str', 'required': True, 'no_log': True},
    }},
    'guest_host': {'type': 'str'},
    'force_format': {'type': 'bool', 'default': False},
    'restore_vm_settings': {'type': 'bool', 'default': False},
    'on_failure': {'type': 'str', 'default': 'restore', 'choices': ['restore', 'leave']},
    # Seconds the run waits for another run's lease of the host (plugin_utils/lease.py); none: hyperv_dda_lease_timeout.
    'lease_timeout': {'type': 'int'},
}.items())
PASSTHROUGH_RULES = {
    'required_if': [[ROLE_PREFIX + 'guest', 'powershell_direct', [ROLE_PREFIX + 'guest_credential']],
                    [ROLE_PREFIX + 'guest', 'inventory', [ROLE_PREFIX + 'guest_host']]],
}


# The playbook dda_reclaim: its variables, the same way. devices limits which orphans are reclaimed.
RECLAIM_PREFIX = 'dda_reclaim_'
RECLAIM_SPEC = dict((RECLAIM_PREFIX + name, option) for name, option in {
    'devices': {'type': 'list', 'elements': 'dict',
                'options': dict((key, {'type': 'str'}) for key in DEVICE_SELECTORS)},
    'allow_vm_restart': {'type': 'bool', 'default': False},
    'shutdown_timeout': {'type': 'int', 'default': 300},
}.items())


# The range of every number a user gives, by its option or variable name (bounds.py names each range's source); a
# test holds every int option of every spec to one. checked_values reads them as the user wrote them, before
# Ansible's validator converts them loosely.
NUMBERS = {
    'shutdown_timeout': SHUTDOWN_TIMEOUT,
    'startup_bytes': STARTUP_BYTES,
    'allocation_unit_size': ALLOCATION_UNIT_SIZE,
    'disk_number': DISK_NUMBER,
    'timeout': LEASE_TIMEOUT,
    'duration': LEASE_DURATION,
    ROLE_PREFIX + 'shutdown_timeout': SHUTDOWN_TIMEOUT,
    ROLE_PREFIX + 'lease_timeout': LEASE_TIMEOUT,
    RECLAIM_PREFIX + 'shutdown_timeout': SHUTDOWN_TIMEOUT,
}


def _refusals(values, spec, where=''):
    """What is wrong with the numbers and strings of ``values`` as the user wrote them, each named as written (with
    the entry it is in, for options of list or dict options)."""
    refused = []
    for name, option in spec.items():
        value = values.get(name) if isinstance(values, dict) else None
        if value is None:
            continue
        label = where + name
        kind = option.get('type', 'str')
        if kind == 'int':
            try:
                checked_number(value, label, NUMBERS[name])
            except DDAError as e:
                refused.append(e.msg)
        elif kind == 'str' and isinstance(value, (list, dict)):
            # Ansible would pass the text of the container on (a VM named "['sql01']").
            # A dict is not repeated: it may hold what should not reach a log.
            given = 'a list, %s' % (value,) if isinstance(value, list) else 'a dict'
            refused.append('%s must be a string; got %s.' % (label, given))
        elif option.get('options') and kind == 'dict' and isinstance(value, dict):
            refused += _refusals(value, option['options'], label + '.')
        elif option.get('options') and kind == 'list' and isinstance(value, list):
            for index, entry in enumerate(value):
                refused += _refusals(entry, option['options'], '%s[%d].' % (label, index))
    return refused


def checked_values(values, spec):
    """Refuse, before Ansible's validator sees them, the values it would convert loosely: numbers outside their
    range (NUMBERS; a boolean or non-ASCII digits are not numbers) and lists or dicts given for a string. DDAError
    names every one, as the user wrote it."""
    refused = _refusals(values, spec)
    if refused:
        raise DDAError(' '.join(refused))


def unprefixed(validated, prefix=ROLE_PREFIX):
    """The validated variables as the planner reads them: without the prefix."""
    return dict((key[len(prefix):], value) for key, value in validated.items() if key.startswith(prefix))


def _settings(values, spec, prefix, what, **rules):
    given = dict((key, value) for key, value in values.items() if key in spec and value is not None)
    refused = _refusals(given, spec)
    if refused:
        raise DDAError('The %s variables are not valid: %s Nothing was changed.' % (what, ' '.join(refused)))
    result = ArgumentSpecValidator(spec, **rules).validate(given)
    if result.error_messages:
        raise DDAError('The %s variables are not valid: %s. Nothing was changed.'
                       % (what, '; '.join(message.rstrip('.') for message in result.error_messages)))
    return unprefixed(result.validated_parameters, prefix)


def passthrough_settings(values):
    """The role's variables, validated and converted (a quoted boolean means what it says); DDAError names what is
    wrong. Returns them without the prefix."""
    return _settings(values, PASSTHROUGH_SPEC, ROLE_PREFIX, 'nvme_passthrough', **PASSTHROUGH_RULES)


def reclaim_settings(values):
    """The dda_reclaim playbook's variables, validated and converted; without the prefix."""
    return _settings(values, RECLAIM_SPEC, RECLAIM_PREFIX, 'dda_reclaim')
