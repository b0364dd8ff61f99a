"""Derives the five-runs and goals raw.tsv fixtures from the smoke run's rows (deterministic; README.md)."""
HEADER = None

def read(path):
    global HEADER
    lines = open(path).read().splitlines()
    HEADER = lines[0]
    return [l.split('\t') for l in lines[1:]]

def scaled(row, run, factor):
    r = list(row)
    r[0] = str(run)
    # requests, body bytes scale with the factor; seconds stay; CPU scales inversely a little.
    if r[1].startswith('rps'):
        req = round(int(r[4]) * factor)
        r[4] = str(req); r[5] = str(req * 1024)
        for i in (8, 9, 10):
            r[i] = str(round(int(r[i]) / factor))
    elif r[1] == 'ttfb':
        r[6] = '%.6f' % (float(r[6]) / factor)
        for i in (8, 9, 10, 11):
            r[i] = str(round(int(r[i]) / factor))
    else:
        r[6] = '%.6f' % (float(r[6]) / factor)
    for i in (12, 14, 15):
        r[i] = str(round(int(r[i]) * (2 - factor)))
    r[13] = str(int(int(r[12]) / 1e7))
    return r

def write(path, rows, extra_header=''):
    with open(path, 'w') as f:
        f.write(HEADER + extra_header + '\n')
        for r in rows:
            f.write('\t'.join(r) + '\n')

smoke = read('smoke/raw.tsv')
factors = [1.05, 0.93, 1.02, 0.97, 1.08]

# five-runs: 5 runs, nginx rps-keepalive run 3 failed its checks (errors, valid=no).
rows = []
for run, fac in enumerate(factors, 1):
    for row in smoke:
        r = scaled(row, run, fac)
        if run == 3 and r[1] == 'rps-keepalive' and r[3] == 'nginx':
            r[7] = '4'; r[16] = 'no'
        rows.append(r)
write('five-runs/raw.tsv', rows)

# goals: 3 runs; sizes 1K and 100M (10 MB not measured); the hand-off's TTFB run 2 invalid;
# the hand-off made faster than HAProxy on new connections and near direct at 100 MB, and
# BPF run time in the director's and origin's namespaces (the two extra columns).
rows = []
for run, fac in enumerate(factors[:3], 1):
    for row in smoke:
        if row[1] == 'get' and row[2] == '10485760':
            continue
        r = scaled(row, run, fac)
        if r[1] == 'get' and r[2] == '1048576':
            r[2] = "1024"; r[5] = str(int(r[4]) * 1024); r[6] = "%.6f" % (float(r[6]) / 40)
        if r[3] == 'handoff' and r[1] == 'rps-close':
            r[4] = str(int(int(r[4]) * 6)); r[5] = str(int(r[4]) * 1024)
        if r[3] == 'handoff' and r[1] == 'get' and r[2] == '104857600':
            r[6] = '%.6f' % (float(r[6]) / 1.9)
        if r[3] == 'handoff' and r[1] == 'ttfb' and run == 2:
            r[7] = '1'; r[16] = 'no'
        bpf_dir = str(int(r[4]) * 850 if r[3] != 'direct' else 0)
        bpf_org = str(int(r[4]) * 400)
        rows.append(r + [bpf_dir, bpf_org])
write('goals/raw.tsv', rows, '\tdirector_bpf_ns\torigin_bpf_ns')
