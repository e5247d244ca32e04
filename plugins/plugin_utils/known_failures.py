# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. Nothing in this file is public API: it may change in ANY release,
# patch releases included. Your own plugins and modules must not import it.
"""Failure texts of Dismount-VMHostAssignableDevice, Add-VMAssignableDevice and Start-VM whose cause is far away
(firmware, a missing vendor driver, group policy, the Windows edition, a device gone), recognised when they happen
and explained: the cause and the remedy, after the original text, which is kept whole.

Each row: the cmdlets it comes from, a fragment of the text (compared ignoring case), the cause, the remedy, and
where the text is known from (dda-facts.md §1.5 and its source index).
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.hyperv.dda.plugins.plugin_utils.leftovers import RECLAIM_COMMAND

KnownFailure = namedtuple('KnownFailure', 'cmdlets fragment cause remedy source')

KNOWN_FAILURES = (
    KnownFailure(('Dismount-VMHostAssignableDevice',), 'not supplied any directives for securing this device',
                 'the device has no security mitigation driver from its vendor, so Hyper-V will not dismount it '
                 'without -Force',
                 'if the VM it goes to is trusted, dismount it with hyperv.dda.vmhost_assignable_device force: true '
                 '(this also skips the ACS check); otherwise use another device',
                 'seen: Virtualization team blog "Machines and devices" (S9), WS2016 TP4 output'),
    KnownFailure(('Dismount-VMHostAssignableDevice',), 'does not allow for OS control of the PCI Express bus',
                 "the firmware did not hand control of PCI Express to Windows (ACPI _OSC), which DDA needs",
                 'enable native PCI Express control, SR-IOV and the IOMMU (VT-d/AMD-Vi) in the BIOS or UEFI setup, '
                 'then restart the host; no Windows setting replaces it',
                 'seen: intel/haxm#149 (S19), Justsenger/ExHyperV#139 (S15)'),
    KnownFailure(('Start-VM',), 'A hypervisor feature is not available to the user',
                 'the host runs client Windows, where a VM with an assigned device cannot start (0xC035001E)',
                 'use Windows Server or Azure Local for DDA; on this host, remove the device from the VM to start it',
                 'seen: community guide to DDA on Windows 11 (S20)'),
    KnownFailure(('Start-VM',), '0xC035001E',
                 'the host runs client Windows, where a VM with an assigned device cannot start',
                 'use Windows Server or Azure Local for DDA; on this host, remove the device from the VM to start it',
                 'seen: community guide to DDA on Windows 11 (S20)'),
    KnownFailure(('Start-VM',), 'Element not found',
                 'the VM holds an assignment of a device that is gone from the host (a stale assignment)',
                 'remove it: the dda_reclaim playbook (%s), or hyperv.dda.vm_assignable_device remove_stale: true '
                 'with the VM off' % RECLAIM_COMMAND,
                 'seen: MicrosoftDocs/windowsserverdocs#3083 (S28)'),
    KnownFailure(('Add-VMAssignableDevice', 'Start-VM'), 'not compliant with currently set group policy',
                 'group policy on the host requires devices that are secure or supported for assignment '
                 '(HyperV\\RequireSecureDeviceAssignment, HyperV\\RequireSupportedDeviceAssignment)',
                 'relax that policy for this device if it is trusted, or use a device that meets it',
                 'seen: jamesstringer90/Easy-GPU-PV#125 (S28)'),
)


def explain(cmdlet, message):
    """' Cause: ... Remedy: ...' for a known failure of the cmdlet, or '' for any other."""
    text = (message or '').lower()
    for known in KNOWN_FAILURES:
        if (cmdlet in known.cmdlets or cmdlet is None) and known.fragment.lower() in text:
            return ' Cause: %s. Remedy: %s.' % (known.cause, known.remedy)
    return ''
