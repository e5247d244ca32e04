# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.guest_plans import DISK_SELECTORS, check_args, guest_disk_plan
from ansible_collections.hyperv.dda.plugins.plugin_utils.action_template import DDAAction


class ActionModule(DDAAction):

    ARGUMENT_SPEC = {
        'serial_number': {'type': 'str'},
        'adapter_serial_number': {'type': 'str'},
        'unique_id': {'type': 'str'},
        'disk_number': {'type': 'int'},
        'partition_style': {'type': 'str', 'default': 'gpt', 'choices': ['gpt', 'mbr']},
        'file_system': {'type': 'str', 'default': 'ntfs', 'choices': ['ntfs', 'refs']},
        'label': {'type': 'str'},
        'drive_letter': {'type': 'str'},
        'access_path': {'type': 'str'},
        'allocation_unit_size': {'type': 'int'},
        'state': {'type': 'str', 'default': 'formatted', 'choices': ['formatted', 'online']},
        'force': {'type': 'bool', 'default': False},
        'vm_name': {'type': 'str'},
        'guest_credential': {'type': 'dict', 'options': {
            'username': {'type': 'str', 'required': True},
            'password': {'type': 'str', 'required': True, 'no_log': True},
        }},
    }
    MUTUALLY_EXCLUSIVE = (list(DISK_SELECTORS), ['drive_letter', 'access_path'])
    REQUIRED_ONE_OF = (list(DISK_SELECTORS),)
    REQUIRED_TOGETHER = (['vm_name', 'guest_credential'],)
    PLANNER = staticmethod(guest_disk_plan)

    def check_args(self, args):
        return check_args(args)

    def sensitive(self, args):
        """The guest credential, for PowerShell Direct: only ever passed as a sensitive parameter."""
        credential = args.get('guest_credential')
        return {'Credential': credential} if args.get('vm_name') and credential else None

    def probe(self, backend, args):
        survey, dummy = backend.run('survey_guest_disks', {'VMName': args.get('vm_name') or '',
                                                           'AccessPath': args.get('access_path') or ''},
                                    sensitive=self.sensitive(args))
        return survey

    def apply(self, backend, args, plan, observed):
        super(ActionModule, self).apply(backend, args, plan, observed)
        # The disk and volume as the guest reports them after the change (sizes the plan cannot know).
        last = self.script_results[-1]
        return {'disk': last['disk'], 'volume': last['volume']}
