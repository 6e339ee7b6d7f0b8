#!/usr/bin/env python3
"""Build an out-of-sample set of labelled CI logs from BugSwarm's analyzer tests.

Source: github.com/BugSwarm/bugswarm (BSD-3-Clause), tests/analyzer/.
  - test_github.py  asserts on GitHub Actions logs under github_data/
  - test_travis.py  asserts on Travis logs under travis_data/

The test files are parsed with `ast`; every test method is "interpreted" just
enough to know which log file each analyzer result comes from and what the
test asserts about it (compare_status, compare_tr_t_failed, compare_num_t_*,
compare_bool_t_*, assertIn / assertEqual(len(...)) on tr_log_tests_failed, and
compare_rc_mismatch for orig/repr log pairs of the result comparer).

Usage:  python3 eval/oos/bugswarm.py --src <bugswarm checkout> [--out DIR]
           [--in-sample ../shared/ci-logs/manifest.jsonl]
The logs are read from <src>/tests/analyzer (default out: eval/oos/out/bugswarm).
Rerunnable: logs/ and manifest.jsonl are rewritten each time. The GitHub Actions
jobs of the shared ci-logs set are left out, so the set stays out of sample.
"""
import argparse
import ast
import hashlib
import json
import os
import shutil
import sys

TEST_FILES = [('test_github.py', 'github-actions', 'gha'),
              ('test_travis.py', 'travis', 'travis')]

ATTR_OF_COMPARE = {
    'compare_status': 'tr_log_status',
    'compare_analyzer': 'tr_log_analyzer',
    'compare_build_system': 'tr_build_system',
    'compare_frameworks': 'tr_log_frameworks',
    'compare_bool_t_ran': 'tr_log_bool_tests_ran',
    'compare_bool_t_failed': 'tr_log_bool_tests_failed',
    'compare_num_t_ok': 'tr_log_num_tests_ok',
    'compare_num_t_failed': 'tr_log_num_tests_failed',
    'compare_num_t_run': 'tr_log_num_tests_run',
    'compare_num_t_skipped': 'tr_log_num_tests_skipped',
    'compare_num_t_xfailed': 'tr_log_num_tests_xfailed',
    'compare_num_t_xpassed': 'tr_log_num_tests_xpassed',
    'compare_tr_t_failed': 'tr_log_tests_failed',
    'compare_t_duration': 'tr_log_testduration',
    'compare_dep_error': 'tr_could_not_resolve_dep',
    'compare_buildduration': 'tr_log_buildduration',
    'compare_setup_time': 'tr_log_setup_time',
}

STATUS_MAP = {'ok': 'ok', 'passed': 'ok', 'pass': 'ok',
              'broken': 'broken', 'failed': 'broken', 'errored': 'broken', 'error': 'broken'}


class Unknown(Exception):
    pass


def ev(node, env, cls_env):
    """Evaluate the small expression subset the tests use."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        raise Unknown(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == 'self':
        if node.attr in cls_env:
            return cls_env[node.attr]
        raise Unknown('self.' + node.attr)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return ev(node.left, env, cls_env) + ev(node.right, env, cls_env)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [ev(e, env, cls_env) for e in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -ev(node.operand, env, cls_env)
    if isinstance(node, ast.Call):
        f = node.func
        fname = ast.unparse(f)
        args = [ev(a, env, cls_env) for a in node.args]
        if fname in ('join', 'os.path.join'):
            return os.path.join(*args)
        if isinstance(f, ast.Attribute) and f.attr == 'format' and isinstance(f.value, ast.Constant):
            return f.value.value.format(*args)
        if isinstance(f, ast.Attribute) and f.attr == 'join' and isinstance(f.value, ast.Constant):
            return f.value.value.join(args[0])
        if fname == 'str':
            return str(args[0])
    raise Unknown(ast.unparse(node))


def split_failed(value):
    if isinstance(value, list):
        return list(value)
    if value == '' or value is None:
        return []
    return value.split('#')


def tests_failed_subscript(node):
    """Return the result variable name if node is <var>['tr_log_tests_failed'] (optionally .split(...))."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == 'split':
        node = node.func.value
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and isinstance(node.slice, ast.Constant) and node.slice.value == 'tr_log_tests_failed'):
        return node.value.id
    return None


def parse_tests(test_path):
    tree = ast.parse(open(test_path, encoding='utf-8').read())
    cls = [n for n in tree.body if isinstance(n, ast.ClassDef)][0]
    cls_env = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            try:
                cls_env[stmt.targets[0].id] = ev(stmt.value, cls_env, cls_env)
            except Unknown:
                pass
    records = []   # one per (test method, log file)
    problems = []
    for fn in cls.body:
        if not (isinstance(fn, ast.FunctionDef) and fn.name.startswith('test_')):
            continue
        env = {}
        results = {}   # var -> {'log': path, 'job_id': ..}
        rc = {}        # var -> (repr_path, orig_path, job_id)
        per_log = {}   # path -> record

        def rec(path, job_id):
            if path not in per_log:
                per_log[path] = {'test': fn.name, 'path': path, 'job_id': job_id,
                                 'attrs': {}, 'tests_failed_partial': [], 'tests_failed_count': None}
            return per_log[path]

        # only straight-line statements at the top level of the method body (loops = generic checks)
        for stmt in fn.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                name = stmt.targets[0].id
                v = stmt.value
                if isinstance(v, ast.Call) and ast.unparse(v.func) in (
                        'self.dispatcher.analyze', 'self.analyzer.analyze_single_log'):
                    try:
                        path = ev(v.args[0], env, cls_env)
                    except Unknown as e:
                        problems.append('%s: cannot resolve log path (%s)' % (fn.name, e))
                        continue
                    jid = None
                    if len(v.args) > 1:
                        try:
                            jid = ev(v.args[1], env, cls_env)
                        except Unknown:
                            pass
                    results[name] = path
                    rec(path, jid)
                    continue
                if isinstance(v, ast.Call) and ast.unparse(v.func) == 'self.analyzer.compare_single_log':
                    try:
                        rpath = ev(v.args[0], env, cls_env)
                        opath = ev(v.args[1], env, cls_env)
                        jid = ev(v.args[2], env, cls_env)
                    except Unknown as e:
                        problems.append('%s: cannot resolve rc paths (%s)' % (fn.name, e))
                        continue
                    rc[name] = (rpath, opath, jid)
                    continue
                try:
                    env[name] = ev(v, env, cls_env)
                except Unknown:
                    pass
                continue
            if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
                continue
            call = stmt.value
            fname = ast.unparse(call.func)
            if not fname.startswith('self.'):
                continue
            meth = fname[5:]
            try:
                if meth in ATTR_OF_COMPARE and call.args and isinstance(call.args[0], ast.Name) \
                        and call.args[0].id in results:
                    r = per_log[results[call.args[0].id]]
                    r['attrs'][ATTR_OF_COMPARE[meth]] = ev(call.args[1], env, cls_env)
                elif meth == 'assertIn' and len(call.args) >= 2:
                    var = tests_failed_subscript(call.args[1])
                    if var in results:
                        per_log[results[var]]['tests_failed_partial'].append(ev(call.args[0], env, cls_env))
                elif meth == 'assertEqual' and len(call.args) >= 2:
                    a = call.args[0]
                    if isinstance(a, ast.Call) and ast.unparse(a.func) == 'len' and tests_failed_subscript(a.args[0]) in results:
                        var = tests_failed_subscript(a.args[0])
                        per_log[results[var]]['tests_failed_count'] = ev(call.args[1], env, cls_env)
                elif meth == 'compare_rc_mismatch':
                    attr = ev(call.args[0], env, cls_env)
                    var = call.args[1].id
                    rpath, opath, jid = rc[var]
                    rec(rpath, jid)['attrs'][attr] = ev(call.args[2], env, cls_env)
                    rec(opath, jid)['attrs'][attr] = ev(call.args[3], env, cls_env)
                    per_log[rpath]['role'] = 'repr'
                    per_log[opath]['role'] = 'orig'
            except Unknown as e:
                problems.append('%s: cannot evaluate %s (%s)' % (fn.name, fname, e))
        records.extend(per_log.values())
    return records, problems


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument('--src', required=True, help='checkout of github.com/BugSwarm/bugswarm')
    ap.add_argument('--out', default=os.path.join(here, 'out', 'bugswarm'))
    ap.add_argument('--in-sample', default=os.path.join(here, '..', '..', '..', 'shared', 'ci-logs', 'manifest.jsonl'))
    args = ap.parse_args()
    if not os.path.isfile(args.in_sample):
        sys.exit('%s not found: pass --in-sample with the shared ci-logs manifest, or the set would overlap it' % args.in_sample)

    base = os.path.join(args.src, 'tests', 'analyzer')
    excluded = set()
    for line in open(args.in_sample):
        row = json.loads(line)
        if row['id'].startswith('bugswarm-gha-'):
            excluded.add(str(row['job_id']))
    print('excluding %d in-sample GitHub Actions job ids' % len(excluded))

    logs_dir = os.path.join(args.out, 'logs')
    if os.path.isdir(logs_dir):
        shutil.rmtree(logs_dir)
    os.makedirs(logs_dir)

    cases = {}     # key (ci, content sha) -> case
    skipped = []
    for test_file, ci, short in TEST_FILES:
        records, problems = parse_tests(os.path.join(base, test_file))
        for p in problems:
            print('WARN', test_file, p, file=sys.stderr)
        for r in records:
            src_rel = os.path.normpath(r['path'])
            upstream = 'tests/analyzer/' + src_rel
            where = '%s:%s (%s)' % (test_file, r['test'], upstream)
            a = r['attrs']
            jid = str(r['job_id']) if r['job_id'] is not None else None
            if ci == 'github-actions' and jid in excluded:
                skipped.append((where, 'in-sample job id %s' % jid))
                continue
            full = os.path.join(base, src_rel)
            if not os.path.isfile(full):
                skipped.append((where, 'log file absent from the fetched snapshot'))
                continue
            # failing tests
            if 'tr_log_tests_failed' in a:
                failed = split_failed(a['tr_log_tests_failed'])
            else:
                failed = None
            # status
            raw_status = a.get('tr_log_status')
            status_source = 'asserted'
            if raw_status is not None:
                status = STATUS_MAP.get(str(raw_status).lower())
                if status is None:
                    skipped.append((where, 'asserted status %r is neither ok nor broken' % raw_status))
                    continue
            else:
                evidence = (failed or r['tests_failed_partial'] or (r['tests_failed_count'] or 0) > 0
                            or a.get('tr_log_bool_tests_failed') is True
                            or (isinstance(a.get('tr_log_num_tests_failed'), int) and a['tr_log_num_tests_failed'] > 0))
                if evidence:
                    status, status_source = 'broken', 'inferred-from-asserted-failing-tests'
                else:
                    skipped.append((where, 'no status asserted and no asserted test failure to infer it from'))
                    continue
            data = open(full, 'rb').read()
            sha = hashlib.sha256(data).hexdigest()
            key = (ci, sha)
            if key in cases:
                c = cases[key]
                c['tests'].append(r['test'])
                if c['expected']['status'] != status and status_source == 'asserted':
                    if c['status_source'] == 'asserted':
                        print('CONFLICT status', where, file=sys.stderr)
                    c['expected']['status'], c['status_source'] = status, status_source
                if failed is not None:
                    if c['failed_tests'] is None:
                        c['failed_tests'] = failed
                    elif sorted(c['failed_tests']) != sorted(failed):
                        print('CONFLICT failed_tests', where, file=sys.stderr)
                skipped.append((where, 'same log content as %s (merged)' % c['source_path']))
                continue
            stem = os.path.basename(src_rel)[:-4]
            case = {
                'ci': ci, 'short': short, 'job_id': jid, 'stem': stem, 'data': data,
                'source_path': upstream, 'expected': {'status': status}, 'failed_tests': failed,
                'status_source': status_source, 'tests': [r['test']], 'role': r.get('role'),
                'partial': r['tests_failed_partial'], 'count': r['tests_failed_count'],
                'asserted': {k: v for k, v in a.items() if k not in ('tr_log_status', 'tr_log_tests_failed')},
            }
            cases[key] = case

    # ids: job id when unique within ci, else file stem
    by_jid = {}
    for c in cases.values():
        by_jid.setdefault((c['ci'], c['job_id']), []).append(c)
    rows = []
    used = set()
    for c in sorted(cases.values(), key=lambda c: (c['ci'] != 'travis', c['source_path'])):
        ident = c['job_id'] if c['job_id'] and len(by_jid[(c['ci'], c['job_id'])]) == 1 else c['stem']
        cid = 'oos-bugswarm-%s-%s' % (c['short'], ident)
        if cid in used:
            cid = 'oos-bugswarm-%s-%s' % (c['short'], c['source_path'].split('tests/analyzer/')[1][:-4].replace('/', '-'))
        used.add(cid)
        name = cid[len('oos-bugswarm-'):]
        with open(os.path.join(logs_dir, name + '.log'), 'wb') as f:
            f.write(c['data'])
        row = {
            'id': cid, 'group': 'bugswarm', 'ci': c['ci'], 'log': 'logs/%s.log' % name,
            'expected': c['expected'], 'failed_tests': c['failed_tests'],
            'source_path': c['source_path'],
            'source': 'BugSwarm/bugswarm tests/analyzer (BSD-3-Clause)',
            'job_id': int(c['job_id']) if c['job_id'] and c['job_id'].isdigit() else c['job_id'],
            'status_source': c['status_source'],
            'upstream_tests': c['tests'],
            'asserted_attrs': c['asserted'],
        }
        if c['partial']:
            row['failed_tests_partial'] = c['partial']
        if c['count'] is not None:
            row['failed_tests_count'] = c['count']
        if c['role']:
            row['result_comparer_role'] = c['role']
        rows.append(row)
    with open(os.path.join(args.out, 'manifest.jsonl'), 'w') as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + '\n')
    with open(os.path.join(args.out, 'skipped.txt'), 'w') as f:
        for where, why in skipped:
            f.write('%s\t%s\n' % (where, why))

    from collections import Counter
    cnt = Counter((r['ci'], r['expected']['status'], r['status_source']) for r in rows)
    print('%d cases' % len(rows))
    for k, v in sorted(cnt.items()):
        print('  ', k, v)
    print('%d skipped records (see skipped.txt)' % len(skipped))


if __name__ == '__main__':
    main()
