"""The operations table (plugins/plugin_utils/operations.py) against everything that names an operation or a step key.

``contract_problems`` is the check: every step key the planners can emit has a row, and a task that runs it with the
row's module in the role (roles/nvme_passthrough/tasks/) or in playbooks/dda_reclaim.yml, wherever its planner plans
it; every row has its script, its twin and, when the role chains its steps on the plan's host, its effect; every
script the code runs has a row. The tests below run it on the collection, then on copies with one thing removed,
and assert it reports exactly that.

Which step keys the planners emit is read two ways, each covering the other's blind spot:

- by scanning the planners' source (``planned_by_scan``): a step is made by naming its key beside its module, in a
  call (``run.step('memory', 'hyperv_vm_memory', ...)``), a tuple (a chain of steps) or a dict (``{'key': ...,
  'module': ...}``); the scan reads every such pair of string literals, however the code is ordered or split;
- by running them (``planned_by_runs``) on every shipped example snapshot, each as it is and with every VM running or
  off, for each VM, both states, with and without a restart allowed, without and with a guest step, and again on
  the host each passthrough leaves (made by the effects) to release it; the reclaim likewise. A step made from a
  variable the scan cannot read shows here, and a test fails until the scan reads it; a key of the table no run
  makes fails too, so the runs stay a full sample.

The tasks are read generically, whatever files they are split into and in whatever order: a task runs the steps its
loop selects, found by evaluating the loop with Jinja on a plan holding one step of every key (so a filter such as
hyperv.dda.restart_steps counts by what it returns); any step key a task names in a selectattr/rejectattr must be
one the planners emit.
"""
import ast
import copy
import functools
import importlib
import inspect
import itertools
import json
import os
import re
import shutil

import jinja2
import jinja2.meta
import yaml

from ddatest import ROOT

from ansible_collections.hyperv.dda.plugins.module_utils.arg_specs import passthrough_settings, reclaim_settings
from ansible_collections.hyperv.dda.plugins.module_utils.snapshot import location_path
from ansible_collections.hyperv.dda.plugins.plugin_utils import effects, operations
from ansible_collections.hyperv.dda.plugins.plugin_utils.passthrough_plan import plan_run
from ansible_collections.hyperv.dda.plugins.plugin_utils.reclaim_plan import plan_reclaim

COLLECTION = 'ansible_collections.hyperv.dda.plugins.'
SCRIPT_DIR = os.path.join(ROOT, 'powershell')
ROLE_TASKS = os.path.join(ROOT, 'roles', 'nvme_passthrough', 'tasks')
RECLAIM_PLAYBOOK = os.path.join(ROOT, 'playbooks', 'dda_reclaim.yml')
PLANNERS = {'role': os.path.join(ROOT, 'plugins', 'plugin_utils', 'passthrough_plan.py'),
            'reclaim': os.path.join(ROOT, 'plugins', 'plugin_utils', 'reclaim_plan.py')}
WHERE = {'role': 'roles/nvme_passthrough/tasks/', 'reclaim': 'playbooks/dda_reclaim.yml'}
ACTION_PLUGINS = tuple(sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'action'))
                              if name.endswith('.py') and name != '__init__.py'))
# Steps of a plan that are no script: the Linux guest module's own plan, which it carries out in Python in the guest
# (module_utils/linux_guest.py).
NOT_SCRIPTS = {'linux_disk'}
# Keys of a play or a task that hold tasks.
PLAY_TASKS = ('pre_tasks', 'tasks', 'post_tasks', 'handlers')
BLOCK_TASKS = ('block', 'rescue', 'always')
INCLUDES = ('include_tasks', 'import_tasks', 'include_role', 'import_role')
# selectattr('key', 'equalto', 'x') or rejectattr('key', 'in', ['x', 'y']): the quoted words after the test.
NAMED_KEY = re.compile(r"""(?:select|reject)attr\(\s*['"]key['"]\s*,\s*['"][^'"]+['"]\s*,\s*"""
                       r"""(\[[^\]]*\]|'[^']*'|"[^"]*")""")


# --- what the planners emit ---------------------------------------------------------------------------------------

def _text(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def planned_by_scan(path):
    """(key, module) for every step key a planner's source names beside a module's name."""
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    pairs = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            items = node.args
        elif isinstance(node, (ast.Tuple, ast.List)):
            items = node.elts
        elif isinstance(node, ast.Dict):
            fields = dict((_text(key), value) for key, value in zip(node.keys, node.values) if key is not None)
            items = [fields.get('key'), fields.get('module')]
        else:
            continue
        for first, second in zip(items, items[1:]):
            if first is not None and second is not None and _text(first) and _text(second) in ACTION_PLUGINS:
                pairs.add((_text(first), _text(second)))
    return pairs


def _examples():
    folder = os.path.join(ROOT, 'examples', 'snapshots')
    for name in sorted(os.listdir(folder)):
        if name.endswith('.json'):
            with open(os.path.join(folder, name), encoding='utf-8') as handle:
                doc = json.load(handle)
            yield doc
            for state in ('Running', 'Off'):
                variant = copy.deepcopy(doc)
                for vm in variant['vms']:
                    vm['state'] = state
                yield variant


def _role_settings(doc, vm, state, allow_restart, guest):
    devices = [dict({'location_path': location_path(device)}, **({'drive_letter': 'X'} if guest != 'none' else {}))
               for device in doc['devices']]
    return passthrough_settings({
        'nvme_passthrough_vm_name': vm['name'], 'nvme_passthrough_devices': devices, 'nvme_passthrough_state': state,
        'nvme_passthrough_allow_vm_restart': allow_restart, 'nvme_passthrough_disable_dynamic_memory': True,
        'nvme_passthrough_allow_mounted_volumes': True, 'nvme_passthrough_restore_vm_settings': True,
        'nvme_passthrough_guest': guest, 'nvme_passthrough_guest_credential': {'username': 'u', 'password': 'p'}})


def _pairs(plan):
    return set((step['key'], step['module']) for step in plan['steps'])


@functools.lru_cache(maxsize=None)
def planned_by_runs():
    """{'role': (key, module) pairs, 'reclaim': ...} the planners emit on the sample hosts (see the docstring)."""
    found = {'role': set(), 'reclaim': set()}
    for doc in _examples():
        for vm, state, allow_restart, guest in itertools.product(doc['vms'], ('present', 'absent'), (True, False),
                                                                 ('none', 'powershell_direct')):
            plan = plan_run(doc, _role_settings(doc, vm, state, allow_restart, guest))
            found['role'] |= _pairs(plan)
            if state == 'present' and guest == 'none' and plan['steps']:
                after = copy.deepcopy(doc)
                for step in plan['steps']:
                    effects.apply_step(after, step['module'], step['args'])
                found['role'] |= _pairs(plan_run(after, _role_settings(after, vm, 'absent', allow_restart, guest)))
        for allow_restart in (True, False):
            found['reclaim'] |= _pairs(plan_reclaim(doc, reclaim_settings(
                {'dda_reclaim_allow_vm_restart': allow_restart})))
    return found


def planned():
    """Where each (key, module) is planned: by the scan of the place's planner and by the runs."""
    runs = planned_by_runs()
    return dict((place, planned_by_scan(PLANNERS[place]) | runs[place]) for place in PLANNERS)


def named_scripts():
    """{script: module} for each step a module's planner makes (Step('<script>', ...) in its PLANNER), and None for
    every other script the code names (Step(...) or backend.run(...) anywhere in plugins/)."""
    scripts = {}
    for folder, dummy, files in os.walk(os.path.join(ROOT, 'plugins')):
        for name in files:
            if name.endswith('.py'):
                with open(os.path.join(folder, name), encoding='utf-8') as handle:
                    for node in ast.walk(ast.parse(handle.read())):
                        if _is_script_call(node):
                            scripts.setdefault(_text(node.args[0]), None)
    for module in ACTION_PLUGINS:
        planner = getattr(importlib.import_module(COLLECTION + 'action.' + module).ActionModule, 'PLANNER', None)
        if planner is not None:
            for node in ast.walk(ast.parse(inspect.getsource(planner).strip())):
                if _is_script_call(node) and isinstance(node.func, ast.Name):
                    scripts[_text(node.args[0])] = module
    return dict((script, module) for script, module in scripts.items() if script not in NOT_SCRIPTS)


def _is_script_call(node):
    """Step('<script>', ...) or backend.run('<script>', ...) (a backend's run; the Linux guest's runs commands)."""
    if not isinstance(node, ast.Call) or not node.args or _text(node.args[0]) is None:
        return False
    return (isinstance(node.func, ast.Name) and node.func.id == 'Step') or \
        (isinstance(node.func, ast.Attribute) and node.func.attr == 'run' and isinstance(node.func.value, ast.Name)
         and 'backend' in node.func.value.id)


# --- what the tasks run -------------------------------------------------------------------------------------------

def _yaml(path):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle) or []


def _tasks(items):
    """Every task of a task list or a play list, blocks opened."""
    for item in items or []:
        if not isinstance(item, dict):
            continue
        if 'hosts' in item:  # a play
            for key in PLAY_TASKS:
                yield from _tasks(item.get(key))
            continue
        yield item
        for key in BLOCK_TASKS:
            yield from _tasks(item.get(key))


def _action(task):
    for key in task:
        short = key.rsplit('.', 1)[-1]
        if short in INCLUDES or key.startswith('hyperv.dda.'):
            return short, task[key]
    return None, None


def _included(path, task, role_tasks=ROLE_TASKS):
    """The files a task includes or imports (every file of the folder when its name is templated); the role's from
    ``role_tasks``."""
    action, value = _action(task)
    if action in ('include_tasks', 'import_tasks'):
        name = value.get('file') if isinstance(value, dict) else value
        folder, target = os.path.dirname(path), os.path.join(os.path.dirname(path), name)
    elif action in ('include_role', 'import_role'):
        role = value['name'].rsplit('.', 1)[-1]
        folder = role_tasks if role == os.path.basename(os.path.dirname(ROLE_TASKS)) else \
            os.path.join(ROOT, 'roles', role, 'tasks')
        name = value.get('tasks_from', 'main')
        target = os.path.join(folder, name if name.endswith(('.yml', '.yaml')) else name + '.yml')
    else:
        return []
    if '{{' in target:
        return sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith('.yml'))
    return [os.path.normpath(target)]


def task_files(place, role_tasks=ROLE_TASKS, reclaim=RECLAIM_PLAYBOOK):
    """The role's task files (all of them), or the reclaim playbook and what it includes."""
    if place == 'role':
        return sorted(os.path.join(role_tasks, name) for name in os.listdir(role_tasks) if name.endswith('.yml'))
    files, todo = [], [reclaim]
    while todo:
        path = todo.pop(0)
        if path not in files:
            files.append(path)
            todo += [target for task in _tasks(_yaml(path)) for target in _included(path, task, role_tasks)]
    return files


def _environment():
    # Chainable: a variable the loop reads besides the plan (what a failure left, say) is simply not there.
    env = jinja2.Environment(undefined=jinja2.ChainableUndefined)
    from ansible.plugins.filter.core import FilterModule as CoreFilters
    for name, function in CoreFilters().filters().items():
        env.filters.setdefault(name, function)
        env.filters['ansible.builtin.' + name] = function
    folder = os.path.join(ROOT, 'plugins', 'filter')
    for name in sorted(os.listdir(folder)):
        if name.endswith('.py'):
            plugin = importlib.import_module(COLLECTION + 'filter.' + name[:-3])
            for filter_name, function in plugin.FilterModule().filters().items():
                env.filters['hyperv.dda.' + filter_name] = function
    return env


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in BLOCK_TASKS:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def read_tasks(files, keys):
    """[(file, task name, module, keys its loop runs, step keys it names)] for every task of the files; ``keys`` are
    the step keys a plan may hold (the loops are evaluated on a plan with one step of each)."""
    env = _environment()
    plan = {'steps': [{'key': key, 'module': None, 'args': {'vm_name': 'vm'}, 'survey': None, 'label': key,
                       'change': key} for key in sorted(keys)]}
    read = []
    for path in files:
        for task in _tasks(_yaml(path)):
            named = set(word for text in _strings(task) for found in NAMED_KEY.findall(text)
                        for word in re.findall(r"""['"]([^'"]+)['"]""", found))
            action, dummy = _action(task)
            runs = _selected(env, task.get('loop', task.get('with_items')), plan, path, task)
            read.append((os.path.relpath(path, ROOT), task.get('name'), action, runs, named))
    return read


def _selected(env, loop, plan, path, task):
    """The step keys a task's loop runs: its expression evaluated with every variable named ...plan, or whose steps it
    reads, or that it hands to a filter, bound to the plan. A loop over something else selects none; a loop over a plan that cannot be read fails the test."""
    expression = re.fullmatch(r'\s*\{\{(.*)\}\}\s*', loop, re.DOTALL) if isinstance(loop, str) else None
    if expression is None:
        assert 'key' not in str(loop or ''), 'cannot read which steps task %r of %s runs: %r' % (
            task.get('name'), path, loop)
        return set()
    parsed = env.parse(loop)
    # A plan is a variable named ...plan, or any whose steps the loop reads or that it hands to a filter (the role's
    # run: the plan, or what a failed run gives back).
    plans = set(node.node.name for node in parsed.find_all(jinja2.nodes.Getattr)
                if node.attr == 'steps' and isinstance(node.node, jinja2.nodes.Name))
    plans |= set(node.node.name for node in parsed.find_all(jinja2.nodes.Filter) if isinstance(node.node, jinja2.nodes.Name))
    names = [name for name in jinja2.meta.find_undeclared_variables(parsed) if name.endswith('plan') or name in plans]
    if not names:
        return set()
    try:
        items = list(env.compile_expression(expression.group(1))(**dict((name, plan) for name in names)))
    except Exception as e:  # pylint: disable=broad-except
        raise AssertionError('cannot read which steps task %r of %s runs: %s' % (task.get('name'), path, e))
    return set(step['key'] for step in items if isinstance(step, dict) and 'key' in step)


def tasks_by_place(role_tasks=ROLE_TASKS, reclaim=RECLAIM_PLAYBOOK, keys=()):
    return dict((place, read_tasks(task_files(place, role_tasks, reclaim), keys)) for place in PLANNERS)


# --- the check ----------------------------------------------------------------------------------------------------

def _functions(module):
    return set(name for name, value in vars(module).items() if inspect.isfunction(value))


def default_twins():
    return dict((twin, _functions(importlib.import_module(COLLECTION + 'plugin_utils.simulator.' + twin)))
                for twin in operations.TWIN_MODULES)


def contract_problems(table=operations.OPERATIONS, plans=None, tasks=None, script_dir=SCRIPT_DIR, twins=None,
                      effect_functions=None, scripts=None):
    """Every way the table, the planners, the scripts, the twins, the effects and the tasks disagree, in words.
    Each argument left out is read from the collection."""
    plans = planned() if plans is None else plans
    if tasks is None:
        tasks = tasks_by_place(keys=set(key for pairs in plans.values() for key, dummy in pairs))
    twins = default_twins() if twins is None else twins
    effect_functions = _functions(effects) if effect_functions is None else effect_functions
    scripts = named_scripts() if scripts is None else scripts
    return (_row_problems(table, script_dir, twins, effect_functions) + _script_problems(table, scripts) +
            _step_problems(table, plans, tasks))


def _row_problems(table, script_dir, twins, effect_functions):
    problems, effect_of_module, row_of_key = [], {}, {}
    for row in table:
        if not os.path.exists(os.path.join(script_dir, row.name + '.ps1')):
            problems.append('operation %s: no script powershell/%s.ps1' % (row.name, row.name))
        if row.name not in twins.get(row.twin, ()):
            problems.append('operation %s: no twin %s in plugin_utils/simulator/%s.py' % (row.name, row.name, row.twin))
        if row.effect is not None and row.effect not in effect_functions:
            problems.append('operation %s: its effect %s is no function of plugin_utils/effects.py'
                            % (row.name, row.effect))
        if row.effect is None and row.keys and not row.guest:
            problems.append("operation %s: the role chains its steps (%s) on the plan's host, but its row names no "
                            "effect" % (row.name, ', '.join(row.keys)))
        if row.effect is not None and effect_of_module.setdefault(row.module, row.effect) != row.effect:
            problems.append('module %s: its rows name two effects (%s, %s); a module has one'
                            % (row.module, effect_of_module[row.module], row.effect))
        for key in row.keys:
            if key in row_of_key:
                problems.append('step key %r: in the rows of %s and %s' % (key, row_of_key[key], row.name))
            row_of_key[key] = row.name
    return problems


def _script_problems(table, scripts):
    rows = dict((row.name, row) for row in table)
    problems = []
    for script, module in sorted(scripts.items()):
        if script not in rows:
            problems.append('script %s: the code runs it, but it has no row' % script)
        elif module is not None and rows[script].module != module:
            problems.append('script %s: the planner of %s makes its steps, but its row says %s'
                            % (script, module, rows[script].module))
    return problems


def _step_problems(table, plans, tasks):
    row_of_key = dict((key, row) for row in table for key in row.keys)
    emitted = set(key for pairs in plans.values() for key, dummy in pairs)
    problems, missing = [], {}
    for place in PLANNERS:
        for key, module in sorted(plans[place]):
            if key not in row_of_key:
                missing.setdefault((key, module), []).append(place)
            elif row_of_key[key].module != module:
                problems.append('step key %r: planned for %s by the %s, but its row (%s) says %s'
                                % (key, module, place, row_of_key[key].name, row_of_key[key].module))
            if not any(key in runs for dummy, dummy, dummy, runs, dummy in tasks[place]):
                problems.append('step key %r (%s), planned by the %s, has no task in %s'
                                % (key, module, place, WHERE[place]))
        for path, name, action, runs, named in tasks[place]:
            for key in sorted(runs):
                if key in row_of_key and action != row_of_key[key].module:
                    problems.append('task %r (%s) runs step key %r with %s, but its row says %s'
                                    % (name, path, key, action, row_of_key[key].module))
            for key in sorted(named - emitted):
                problems.append('task %r (%s) names step key %r, which no planner emits' % (name, path, key))
    for (key, module), places in sorted(missing.items()):
        problems.append('step key %r (%s), planned by the %s, has no row in the operations table'
                        % (key, module, ' and the '.join(places)))
    return problems


# --- the tests ----------------------------------------------------------------------------------------------------

def test_the_collection_keeps_the_contract():
    assert contract_problems() == []


def test_the_action_group_is_the_tables_modules():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        assert tuple(sorted(yaml.safe_load(handle)['action_groups']['hyperv'])) == operations.MODULES
    assert operations.MODULES == ACTION_PLUGINS


def test_the_scan_reads_every_step_the_runs_make_and_the_runs_make_every_key_of_the_table():
    scanned = set().union(*(planned_by_scan(path) for path in PLANNERS.values()))
    ran = set().union(*planned_by_runs().values())
    assert ran <= scanned, 'steps made in a way the scan cannot read: %s' % sorted(ran - scanned)
    table = set(key for row in operations.OPERATIONS for key in row.keys)
    assert table <= set(key for key, dummy in ran), 'keys no sample run plans (add a sample to planned_by_runs): %s' \
        % sorted(table - set(key for key, dummy in ran))


def test_the_tasks_are_read_as_they_run():
    """The reader on the shipped files: each key's task, by its module (the restart by the filter restart_steps)."""
    tasks = tasks_by_place(keys=set(key for row in operations.OPERATIONS for key in row.keys))
    ran = dict((place, dict((key, action) for dummy, dummy, action, runs, dummy in tasks[place] for key in runs))
               for place in tasks)
    # The reclaim runs the role's power window and what follows it (tasks_from), tasks that its plan never needs
    # among them.
    assert ran['reclaim'] == {'shutdown': 'hyperv_vm_power', 'remove_stale': 'vm_assignable_device',
                              'mount': 'vmhost_assignable_device', 'enable': 'pnp_device_disable',
                              'restart': 'hyperv_vm_power', 'assign': 'vm_assignable_device',
                              'memory': 'hyperv_vm_memory', 'remove': 'vm_assignable_device',
                              'restore_memory': 'hyperv_vm_memory', 'restore_stop_action': 'hyperv_vm_stop_action'}
    assert ran['role']['restart'] == 'hyperv_vm_power' and ran['role']['guest'] == 'guest_nvme_disk'
    assert ran['role']['remove_stale'] == 'vm_assignable_device', 'the power window the reclaim shares'


def _without_row(name):
    return tuple(row for row in operations.OPERATIONS if row.name != name)


def test_a_missing_row_fails_the_check():
    assert contract_problems(table=_without_row('dismount_device')) == [
        'script dismount_device: the code runs it, but it has no row',
        "step key 'dismount' (vmhost_assignable_device), planned by the role, has no row in the operations table"]


def test_a_missing_script_fails_the_check(tmp_path):
    for name in os.listdir(SCRIPT_DIR):
        if name.endswith('.ps1') and name != 'mount_device.ps1':
            shutil.copy(os.path.join(SCRIPT_DIR, name), str(tmp_path))
    assert contract_problems(script_dir=str(tmp_path)) == [
        'operation mount_device: no script powershell/mount_device.ps1']


def test_a_missing_twin_or_effect_fails_the_check():
    twins = default_twins()
    twins['host_twins'] = twins['host_twins'] - {'set_vm_memory'}
    assert contract_problems(twins=twins) == [
        'operation set_vm_memory: no twin set_vm_memory in plugin_utils/simulator/host_twins.py']
    table = tuple(row._replace(effect=None) if row.name == 'set_pnp_device' else row for row in operations.OPERATIONS)
    assert contract_problems(table=table) == [
        "operation set_pnp_device: the role chains its steps (disable, enable) on the plan's host, but its row names "
        "no effect"]


def _copy_without_task(source, target, *keys):
    """A copy of a task file without the tasks whose loops run ``keys``, or the file as it is."""
    def keep(items):
        kept = []
        for item in items:
            if isinstance(item, dict) and any("'%s'" % key in str(item.get('loop', '')) for key in keys):
                continue
            if isinstance(item, dict):
                item = dict(item, **dict((name, keep(item[name])) for name in PLAY_TASKS + BLOCK_TASKS if name in item))
            kept.append(item)
        return kept
    with open(target, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(keep(_yaml(source)), handle, sort_keys=False)


def test_a_missing_task_fails_the_check(tmp_path):
    role = tmp_path / 'tasks'
    role.mkdir()
    # The reclaim runs the role's power window: a task missing there is missing for both, each as it plans it.
    for name in os.listdir(ROLE_TASKS):
        _copy_without_task(os.path.join(ROLE_TASKS, name), str(role / name), 'assign', 'remove_stale')
    # The reclaim playbook with the task files it includes (playbooks/tasks/).
    shutil.copytree(os.path.dirname(RECLAIM_PLAYBOOK), str(tmp_path / 'playbooks'))
    reclaim = tmp_path / 'playbooks' / 'dda_reclaim.yml'
    plans = planned()
    keys = set(key for pairs in plans.values() for key, dummy in pairs)
    assert contract_problems(plans=plans, tasks=tasks_by_place(str(role), str(reclaim), keys)) == [
        "step key 'assign' (vm_assignable_device), planned by the role, has no task in roles/nvme_passthrough/tasks/",
        "step key 'remove_stale' (vm_assignable_device), planned by the reclaim, has no task in "
        "playbooks/dda_reclaim.yml"]


def test_a_task_naming_a_key_no_planner_emits_fails_the_check():
    plans = planned()
    keys = set(key for pairs in plans.values() for key, dummy in pairs)
    tasks = tasks_by_place(keys=keys)
    tasks['role'].append(('roles/nvme_passthrough/tasks/x.yml', 'Old task', 'hyperv_vm_power', set(), {'reboot'}))
    assert contract_problems(plans=plans, tasks=tasks) == [
        "task 'Old task' (roles/nvme_passthrough/tasks/x.yml) names step key 'reboot', which no planner emits"]
