# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import GUEST_DISK_RULES, GUEST_DISK_SPEC
from ansible_collections.hyperv.dda.plugins.module_utils.errors import PreconditionError
from ansible_collections.hyperv.dda.plugins.module_utils.guest_plans import check_args, guest_disk_plan
from ansible_collections.hyperv.dda.plugins.module_utils.linux_disk_plans import check_linux_args
from ansible_collections.hyperv.dda.plugins.module_utils.selectors import same_disk
from ansible_collections.hyperv.dda.plugins.plugin_utils.action_template import DDAAction
from ansible_collections.hyperv.dda.plugins.plugin_utils.backends import backend_for, backend_name


class ActionModule(DDAAction):
    """Windows guests (directly, or through PowerShell Direct from the host) by PowerShell scripts;
    Linux guests by running the Python module of the same name in the guest."""

    ARGUMENT_SPEC = GUEST_DISK_SPEC
    MUTUALLY_EXCLUSIVE = tuple(GUEST_DISK_RULES['mutually_exclusive'])
    REQUIRED_ONE_OF = tuple(GUEST_DISK_RULES['required_one_of'])
    REQUIRED_TOGETHER = tuple(GUEST_DISK_RULES['required_together'])
    PLANNER = staticmethod(guest_disk_plan)

    def linux(self, args, task_vars):
        """Whether the target is a Linux guest: not PowerShell Direct, not the simulator (which models
        Windows guests), and a connection whose shell is not Windows'."""
        return not args.get('vm_name') and backend_name(self, task_vars) != 'simulator' \
            and not getattr(self._connection._shell, '_IS_WINDOWS', False)

    def execute(self, args, task_vars):
        """Each guest's own argument checks first (before any round trip), then its way of doing the work."""
        if not self.linux(args, task_vars):
            args = check_args(args)
            backend = backend_for(self, task_vars)
            not_captured = backend.guest_not_captured(args.get('vm_name'))
            if not_captured:
                return self.not_rehearsed(args.get('vm_name') or backend.guest_vm, not_captured)
            return super(ActionModule, self).execute(args, task_vars)
        module_args = dict((key, value) for key, value in check_linux_args(args).items() if value is not None)
        return self._execute_module(module_name=self.module_name, module_args=module_args, task_vars=task_vars)

    @staticmethod
    def not_rehearsed(vm_name, reason):
        """A rehearsal on a snapshot with no view of the guest (simulator only): the step is skipped, saying so."""
        msg = ("The snapshot has no view of the guest of VM '%s': %s. This rehearsal skips the guest step; it is "
               "checked at run time, against the real guest." % (vm_name, reason))
        return {'changed': False, 'skipped': True, 'msg': msg, 'warnings': [msg]}

    def sensitive(self, args):
        """The guest credential, for PowerShell Direct: only ever passed as a sensitive parameter."""
        credential = args.get('guest_credential')
        return {'Credential': credential} if args.get('vm_name') and credential else None

    def probe(self, backend, args):
        if args.get('survey') is not None:
            if not isinstance(args['survey'].get('disks'), list):
                raise PreconditionError('survey must be what the guest survey returns (a dict with disks, used_letters '
                                        'and folder); leave it out to survey the guest.')
            return args['survey']
        if self.chain is not None:
            return self.guest_as_predicted(backend, args)
        return self.ask_guest(backend, args)

    def ask_guest(self, backend, args):
        survey, dummy = backend.run('survey_guest_disks', {'VMName': args.get('vm_name') or '',
                                                           'AccessPaths': [args['access_path']] if args.get('access_path') else []},
                                    sensitive=self.sensitive(args))
        return survey

    def guest_as_predicted(self, backend, args):
        """In check mode after earlier tasks of the play (check_chain.py): the guest as it will be at this step. A VM
        the chain leaves off cannot be reached, as in the real run; a VM that is off now and that the chain starts
        cannot be asked yet, so the step plans from the host's view of the disk it will see; and a disk the chain
        passes through joins the guest's own."""
        vm_name = args.get('vm_name')
        vm = self.chain.vm(vm_name) if vm_name else None
        if vm is not None and vm['state'] != 'Running':
            raise PreconditionError("Cannot reach the guest of VM '%s' through PowerShell Direct: the VM will be %s at "
                                    "this step (as the earlier tasks of this check-mode run leave it), and PowerShell "
                                    "Direct reaches only a running VM. Start it first (hyperv.dda.hyperv_vm_power "
                                    "state=running)." % (vm['name'], vm['state']))
        selector = next(((key, args[key]) for key in ('serial_number', 'adapter_serial_number', 'unique_id')
                         if args.get(key) is not None), None)
        arriving = self.chain.arriving_disks(vm_name, selector)
        if vm is not None and not self.chain.really_running(vm):
            self.probe_warnings.append(
                "VM '%s' is %s on the host; an earlier task of this check-mode run starts it, so its guest cannot be "
                "asked yet. This step is planned from the host's view of the disk it will see; the drive letters in "
                "use, the mount folders and the guest credential are checked by the real run."
                % (vm['name'], self.chain.observed_states[vm['id']]))
            return {'disks': arriving, 'used_letters': None, 'folders': []}
        survey = self.ask_guest(backend, args)
        arriving = [disk for disk in arriving if not any(same_disk(disk, seen) for seen in survey['disks'])]
        if arriving:
            self.probe_warnings.append(
                '%s is not in the guest yet: an earlier task of this check-mode run passes its device through. This '
                'step is planned from the host\'s view of it.' % ', '.join(
                    'The disk with serial %s' % (disk.get('adapter_serial_number') or disk.get('serial_number')
                                                 or disk.get('unique_id')) for disk in arriving))
            survey = dict(survey, disks=survey['disks'] + arriving)
        return survey

    def apply(self, backend, args, plan, observed):
        super(ActionModule, self).apply(backend, args, plan, observed)
        # The disk and volume as the guest reports them after the change (sizes the plan cannot know).
        last = self.script_results[-1]
        return {'disk': last['disk'], 'volume': last['volume']}
