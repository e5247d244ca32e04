# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  location_path:
    description:
      - The device's PCIROOT location path, compared exactly (Hyper-V compares location paths case-sensitively).
      - For example V(PCIROOT(0\)#PCI(0102\)#PCI(0000\)). M(hyperv.dda.hyperv_dda_info) lists them.
      - Exactly one of O(location_path), O(instance_id) and O(serial_number) is required.
    type: str
  instance_id:
    description:
      - The device's PnP instance ID, compared case-insensitively. C(PCI\...) and the C(PCIP\...) name a
        dismounted device gets are the same device.
    type: str
  serial_number:
    description:
      - The serial number of a disk behind the controller, compared with the disk's C(serial_number) and
        C(adapter_serial_number), case-insensitively, ignoring surrounding spaces and trailing dots.
      - Keeps working while the device is away from the host, from the identity the collection records
        on the host when it dismounts the device.
    type: str
notes:
  - A selector that matches no device, or more than one, fails and lists the candidates.
'''
