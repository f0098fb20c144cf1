"""Checks the heldout2 annotations (read-only): JSON, key order, enums, evidence/amount/date substrings, amount_value vs amount_text, publication dates, money-string coverage."""
import json, re, sys, html, unicodedata, glob, os
from html.parser import HTMLParser
BASE=os.path.dirname(os.path.abspath(__file__))
DOCS=os.path.join(BASE,'documents')
DKEYS=["doc","deal_id","evidence","amount_text","amount_value","currency","amount_qualifier","source","target","deal_type","status","date_text","date","term_text","notes"]
MKEYS=["doc","evidence","amount_text","amount_value","currency","company","kind","notes"]
QUAL={"exact","up_to","approx","over","range","total",None}
TYPES={"investment","acquisition","compute_contract","purchase","lease","loan","bond","equity_offering","partnership","other"}
STAT={"announced","letter_of_intent","completed","rumored","planned","denied_or_doubted"}
KINDS={"revenue","loss","market_cap","valuation","cash","debt_outstanding","capex","cost","buyback","other"}
errs=[]; warns=[]
def E(m): errs.append(m)
def W(m): warns.append(m)

class Vis(HTMLParser):
    SKIP={'script','style','head','title'}
    def __init__(s):
        super().__init__(); s.stack=[]; s.body=[]; s.art=[]; s.in_art=0; s.skip=0
    def handle_starttag(s,t,a):
        if t in s.SKIP: s.skip+=1
        if t=='article': s.in_art+=1
        if t in ('p','h1','h2','li','div','br'): s.body.append('\n'); s.art.append('\n') if s.in_art else None
    def handle_endtag(s,t):
        if t in s.SKIP: s.skip-=1
        if t=='article': s.in_art-=1
    def handle_data(s,d):
        if s.skip: return
        s.body.append(d)
        if s.in_art: s.art.append(d)
def load(doc):
    raw=open(os.path.join(DOCS,doc),encoding='utf-8').read()
    if doc.endswith('.html'):
        p=Vis(); p.feed(raw); return ''.join(p.art), ''.join(p.body), raw
    return raw, raw, raw

KANJI={'〇':0,'零':0,'一':1,'二':2,'三':3,'四':4,'五':5,'六':6,'七':7,'八':8,'九':9}
def small(s):
    # parse number < 10000 possibly with 千百十 kanji or arabic
    s=s.strip()
    if not s: return 1
    if re.fullmatch(r'[\d.]+',s): return float(s)
    total=0; cur=0
    for ch in s:
        if ch in KANJI: cur=KANJI[ch]
        elif ch.isdigit(): cur=cur*10+int(ch)
        elif ch in '千百十':
            m={'千':1000,'百':100,'十':10}[ch]; total+= (cur or 1)*m; cur=0
        else: raise ValueError(s)
    return total+cur
CUR={'ドル':'USD','円':'JPY','ユーロ':'EUR','ポンド':'GBP','ルピー':'INR'}
def parse(at):
    s=unicodedata.normalize('NFKC',at).replace(',','')
    s=re.sub(r'^(約|最大)','',s); s=re.sub(r'以上$','',s)
    cur=None
    for k,v in CUR.items():
        if s.endswith(k): cur=v; s=s[:-len(k)]; break
    if re.search(r'数|〜|から|~',s): return None,cur
    val=0; rest=s
    for unit,mult in (('兆',10**12),('億',10**8),('万',10**4)):
        if unit in rest:
            a,rest=rest.split(unit,1); val+=small(a)*mult
    if rest: val+=small(rest)
    return val,cur

pub=json.load(open(os.path.join(DOCS,'published.json')))
docs=sorted(f for f in os.listdir(DOCS) if f!='published.json')
for d in docs:
    stem=d.rsplit('.',1)[0]
    if stem not in pub: E(f'{d}: no publication date')
    elif not re.fullmatch(r'\d{4}-\d\d-\d\d',pub[stem]): E(f'{d}: bad date')
    if d.endswith('.html'):
        raw=open(os.path.join(DOCS,d),encoding='utf-8').read()
        m=re.search(r'<meta property="article:published_time" content="(\d{4}-\d\d-\d\d)',raw)
        if not m or m.group(1)!=pub[stem]: E(f'{d}: published_time meta mismatch')
texts={d:load(d) for d in docs}
def check_common(i,r,kind):
    d=r['doc']
    if d not in texts: E(f'{kind}{i}: unknown doc {d}'); return
    art,body,raw=texts[d]
    ev=r['evidence']
    if art.find(ev)<0: E(f'{kind}{i} {d}: evidence not found: {ev}')
    elif body.count(ev)!=1: E(f'{kind}{i} {d}: evidence not unique ({body.count(ev)}): {ev}')
    at=r['amount_text']
    if at is None:
        for k in ('amount_value','currency'):
            if r.get(k) is not None: E(f'{kind}{i}: {k} set without amount_text')
        if kind=='D' and r['amount_qualifier'] is not None: E(f'{kind}{i}: qualifier without amount')
    else:
        if at not in ev: E(f'{kind}{i}: amount_text not in evidence: {at}')
        v,c=parse(at)
        if c!=r['currency']: E(f'{kind}{i}: currency {r["currency"]} vs {c} ({at})')
        if v is None:
            if r['amount_value'] is not None: E(f'{kind}{i}: vague/range amount should have null value: {at}')
        elif r['amount_value'] is None or abs(v-r['amount_value'])>1e-6*max(1,v): E(f'{kind}{i}: amount_value {r["amount_value"]} != parsed {v} ({at})')
    return art
for fn,keys,kind in (('expected_deals.jsonl',DKEYS,'D'),('expected_metrics.jsonl',MKEYS,'M')):
    for i,line in enumerate(open(os.path.join(BASE,fn),encoding='utf-8'),1):
        try: r=json.loads(line)
        except Exception as e: E(f'{fn}:{i} parse error {e}'); continue
        if list(r.keys())!=keys: E(f'{fn}:{i} key order {list(r.keys())}')
        art=check_common(i,r,kind)
        if kind=='D':
            if r['amount_qualifier'] not in QUAL: E(f'D{i}: qualifier')
            if r['amount_text'] is not None:
                v,_=parse(r['amount_text'])
                if v is None and r['amount_qualifier'] not in (None,'range'): E(f'D{i}: vague amount qualifier')
                if re.search(r'〜|から',r['amount_text']) and r['amount_qualifier']!='range': E(f'D{i}: range qualifier')
                if r['amount_text'].startswith('最大') and r['amount_qualifier']!='up_to': E(f'D{i}: 最大 not up_to')
                if r['amount_text'].startswith('約') and r['amount_qualifier']!='approx': E(f'D{i}: 約 not approx')
            if r['deal_type'] not in TYPES: E(f'D{i}: type')
            if r['status'] not in STAT: E(f'D{i}: status')
            if r['date'] is not None and not re.fullmatch(r'\d{4}(-\d\d(-\d\d)?)?',r['date']): E(f'D{i}: date format')
            if r['date'] is not None and r['date_text'] is None: W(f'D{i}: date without date_text')
            for k in ('date_text','term_text'):
                if r[k] is not None:
                    if art.find(r[k])<0: E(f'D{i}: {k} not in doc: {r[k]}')
                    elif r[k] not in r['evidence']: W(f'D{i} {r["doc"]}: {k} outside evidence: {r[k]}')
            n=r['notes'] or ''
            if r["amount_text"] is None and "[relationship]" not in n and "[anaphoric]" not in n: W(f'D{i}: no-amount line without [relationship] tag')
        else:
            if r['kind'] not in KINDS: E(f'M{i}: kind {r["kind"]}')
# coverage: money-like strings in article text
deals=[json.loads(l) for l in open(os.path.join(BASE,'expected_deals.jsonl'),encoding='utf-8')]
mets=[json.loads(l) for l in open(os.path.join(BASE,'expected_metrics.jsonl'),encoding='utf-8')]
pat=re.compile(r'(?:約|最大)?[0-9０-９.,，〇一二三四五六七八九十百千万億兆数]+(?:[〜~から][0-9０-９.,〇一二三四五六七八九十百千万億兆]+)?(?:ドル|円|ユーロ|ポンド|ルピー)')
uncovered=[]
for d in docs:
    art=texts[d][0]
    spans=[]
    for r in deals+mets:
        if r['doc']!=d or r['amount_text'] is None: continue
        s=art.find(r['evidence']); a=r['evidence'].find(r['amount_text'])
        spans.append((s+a,s+a+len(r['amount_text'])))
    for m in pat.finditer(art):
        if not any(a<=m.start()<b or a<m.end()<=b for a,b in spans):
            uncovered.append((d,m.group(),art[max(0,m.start()-12):m.end()+6].replace('\n',' ')))
print('ERRORS',len(errs)); [print(' ',e) for e in errs]
print('WARNINGS',len(warns)); [print(' ',w) for w in warns]
print('UNCOVERED money strings',len(uncovered)); [print(' ',u) for u in uncovered]
# counts
print()
tot=0
for d in docs:
    art=texts[d][0]; n=len(open(os.path.join(DOCS,d),encoding='utf-8').read())
    dd=[r for r in deals if r['doc']==d]; mm=[r for r in mets if r['doc']==d]
    wa=sum(1 for r in dd if r['amount_text'] is not None)
    print(f'{d}: file_chars={n} text_chars={len(art.strip())} deals={len(dd)} (with amount {wa}, scorable {sum(1 for r in dd if r["amount_value"] is not None)}) ids={len(set(r["deal_id"] for r in dd))} metrics={len(mm)}')
print('TOTAL deals',len(deals),'with amount',sum(1 for r in deals if r['amount_text']),'without',sum(1 for r in deals if not r['amount_text']),'ids',len(set(r['deal_id'] for r in deals)),'metrics',len(mets))
