# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Which devices of a snapshot could be passed through, and why not.

The per-device checks follow Microsoft's SurveyDDA.ps1 (texts quoted from it). A client Windows host
blocks every device (dda-facts §5). No IOV support is a warning on every device, with Hyper-V's reasons,
never a blocker: ``host_warnings`` is the one rule, used by hyperv_dda_info, the audit and the role's plan.
"""

from __future__ import annotations

from ansible_collections.hyperv.dda.plugins.module_utils.devices import summary
from ansible_collections.hyperv.dda.plugins.plugin_utils.leftovers import device_remedies, device_states
from ansible_collections.hyperv.dda.plugins.plugin_utils.safety import host_critical_reasons
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import DISABLED_PROBLEM_CODE, mmio_mb, problem_code

# SurveyDDA.ps1's verdicts for device types that cannot be assigned (display controllers are the
# one exception for LegacyEndpoint, and an NVMe controller is not one).
_DEVICE_TYPE_BLOCKERS = {
    'LegacyEndpoint': 'Legacy, non-VGA PCI device. Not assignable (SurveyDDA).',
    'PciExpressTreatedAsPci': 'BIOS kept control of PCI Express for this device. Not assignable (SurveyDDA).',
    'Other': 'Old-style PCI device, switch port, etc. Not assignable (SurveyDDA).',
}


# IovSupportReasons texts (Get-VMHost), by a fragment of each, and the fix a person can apply. Texts seen in Microsoft's
# SR-IOV series (John Howard, "Everything you wanted to know about SR-IOV in Hyper-V", part 8: the firmware one)
# and in dda-facts.md §5 (missing ACS, the hypervisor not running); DMA and interrupt remapping are the IOMMU's two
# halves, which SR-IOV and DDA need (Plan for deploying devices by using DDA, S3).
IOV_FIXES = (
    ('control PCI Express', 'update the firmware (BIOS/UEFI) so that it hands PCI Express control to Windows; the '
                            'system manufacturer has the update or the setting'),
    ('DMA remapping', 'enable the IOMMU in the firmware (Intel VT-d or AMD-Vi, often named "I/O virtualization"); a '
                      'chipset without DMA remapping cannot do DDA'),
    ('interrupt remapping', 'enable interrupt remapping in the firmware (part of Intel VT-d or AMD-Vi)'),
    ('ACS', 'enable ACS (Access Control Services) for the PCI Express root ports in the firmware'),
    ('hypervisor', 'make sure the hypervisor runs: bcdedit /set hypervisorlaunchtype auto, then restart the host'),
)


def iov_fix(reason):
    """The fix for one of Hyper-V's IovSupportReasons, in words; a generic one for a text not known."""
    for fragment, fix in IOV_FIXES:
        if fragment.lower() in reason.lower():
            return fix
    return 'check the firmware settings for SR-IOV, ACS and the IOMMU, and that the hypervisor is running'


def host_reasons(host):
    """Blockers that come from the host and so apply to every device on it."""
    reasons = []
    if host['product_type'] == 'workstation':
        reasons.append('The host runs client Windows (%s): the DDA cmdlets run, but a VM with an assigned '
                       'device fails to start (0xC035001E). Use Windows Server or Azure Local.'
                       % (host.get('os') or 'unknown edition'))
    return reasons


# IovSupport false warns, it does not block (dda-facts §11, row IovSupport). Get-VMHost's IovSupport is the virtual
# switch service's SR-IOV capability (nforgeio/neonSDK, decompiled Hyper-V module, VMHost.cs), and Microsoft's
# SurveyDDA.ps1 (MicrosoftDocs/Virtualization-Documentation hyperv-tools/DiscreteDeviceAssignment) says asking for it
# is only "mostly equivalent to asking whether it supports Discrete Device Assignment". Unknown (null) says nothing.
def host_warnings(host):
    """What the host says that may make DDA fail on every device, with Hyper-V's reasons and their fixes."""
    if host.get('iov_support') is not False:
        return []
    given = host.get('iov_support_reasons') or []
    fixes = ['"%s": %s' % (reason.rstrip('.'), iov_fix(reason)) for reason in given] or \
        ['no reason given: %s' % iov_fix('')]
    return ['Hyper-V reports no IOV support on the host (Get-VMHost IovSupport false): the SR-IOV capability, which '
            'Microsoft\'s SurveyDDA calls only "mostly equivalent" to DDA support, so DDA may fail here. %s.'
            % '; '.join(fixes)]


# What a user can do about a device without ACS up the hierarchy. Hyper-V dismounts it only with -Force, which skips
# the ACS and the mitigation-driver checks (dda-facts §1.4, api.md vmhost_assignable_device); without ACS the device
# could reach other devices directly, past the IOMMU (dda-facts §5, §8). The role never forces: a device dismounted
# by hand is one it assigns.
ACS_REMEDY = ('Enable ACS for the PCI Express ports above it in the firmware, if it offers that, or use another '
              'device. Only for a VM you trust: disable it with hyperv.dda.pnp_device_disable and dismount it with '
              'hyperv.dda.vmhost_assignable_device force: true, which skips the ACS check (and the mitigation-driver '
              'check), so the device could then reach other devices of the host directly, past the IOMMU; then the '
              'role nvme_passthrough assigns it. The role never forces.')


def survey_reasons(survey):
    """Blockers found by the SurveyDDA checks; none when they could not be read (survey null)."""
    if survey is None:
        return []
    reasons = []
    if survey.get('requires_reserved_memory_region'):
        reasons.append('BIOS requires that this device remain attached to BIOS-owned memory. '
                       'Not assignable (SurveyDDA).')
    if survey.get('acs_compatible_up_hierarchy') == 'NotSupported':
        reasons.append('Traffic from this device may be redirected to other devices in the system '
                       '(no ACS up the hierarchy). Not assignable (SurveyDDA). %s' % ACS_REMEDY)
    blocker = _DEVICE_TYPE_BLOCKERS.get(survey.get('device_type'))
    if blocker:
        reasons.append(blocker)
    if survey.get('interrupts') == 'line':
        reasons.append('All of the interrupts are line-based, no assignment can work (SurveyDDA).')
    return reasons


def problem_reasons(device):
    """A device on the host with a Plug and Play problem other than 'disabled' does not work."""
    code = problem_code(device)
    if code in (None, 0, DISABLED_PROBLEM_CODE):
        return []
    return ['Windows reports Plug and Play problem code %d for it: the device does not work on the host. Fix it first '
            '(Device Manager shows the cause; a driver or a restart of the host may be needed).' % code]


def _size(size):
    return '%.1f GB' % (size / 1e9) if size is not None else 'size unknown'


def data_warnings(device):
    """The data the device's disks hold on the host, volume by volume: what a passthrough takes from the host."""
    held = []
    for disk in device['disks'] or []:
        for partition in disk.get('partitions') or []:
            volume = partition.get('volume')
            if volume is None:
                continue
            where = ['%s:' % partition['drive_letter']] if partition.get('drive_letter') else []
            where += partition.get('access_paths') or []
            held.append('%s%s (%s, %s)' % (', '.join(where) or 'a volume without a mount point',
                                           " '%s'" % volume['label'] if volume.get('label') else '',
                                           volume.get('file_system') or 'no file system', _size(partition.get('size'))))
    if not held:
        return []
    return ['It holds data on the host: %s. Passing it through takes that from the host, and the guest step '
            'keeps it only if its settings match (else it needs force).' % '; '.join(held)]


def candidate(snapshot, device):
    """The device fields of api.md plus ``assignable``, the human-readable ``reasons`` (blockers), ``warnings``
    (what to know before passing it through), its left-behind ``states`` (leftovers.py) and ``mmio_mb``."""
    reasons = host_reasons(snapshot['host']) + survey_reasons(device['survey']) + problem_reasons(device) + \
        host_critical_reasons(device)
    entry = summary(snapshot, device)
    entry['assignable'] = not reasons
    entry['reasons'] = reasons
    entry['states'] = device_states(snapshot, device)
    entry['warnings'] = host_warnings(snapshot['host']) + device_remedies(snapshot, device) + data_warnings(device)
    entry['mmio_mb'] = mmio_mb(device)
    return entry


def candidates(snapshot):
    return [candidate(snapshot, device) for device in snapshot['devices']]
