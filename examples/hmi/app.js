// The page: a live table fed by `values.changed` pushes, buttons that make app calls.
const client = SessionTracker.createClient({ url: '/ws', project: 'Hmi', trackPages: true });
const $ = (sel) => document.querySelector(sel);

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function render({ tags, valves }) {
  const body = $('#tags tbody');
  body.replaceChildren(
    ...tags.map((t) => {
      const tr = document.createElement('tr');
      tr.dataset.tag = t.tag;
      tr.append(cell(t.tag), cell(t.value.toFixed(1), 'value'), cell(t.unit));
      return tr;
    }),
  );
  const vbody = $('#valves tbody');
  vbody.replaceChildren(
    ...valves.map((v) => {
      const tr = document.createElement('tr');
      tr.dataset.valve = v.id;
      const button = document.createElement('button');
      button.textContent = v.open ? 'Close' : 'Open';
      button.addEventListener('click', () => setValve(v.id, !v.open));
      const action = document.createElement('td');
      action.append(button);
      tr.append(cell(v.id), cell(v.open ? 'open' : 'closed', 'valve-state'), action);
      return tr;
    }),
  );
}

async function setValve(id, open) {
  try {
    await client.call('valve.set', { id, open });
    const row = document.querySelector(`tr[data-valve="${id}"]`);
    if (row) row.querySelector('.valve-state').textContent = open ? 'open' : 'closed';
  } catch (err) {
    $('#state').textContent = `valve ${id}: ${err.message}`;
  }
}

client.onPush('values.changed', render);
client.on('state', ({ newState }) => ($('#state').textContent = newState));
// Every welcome (first connect and each resume): ask for the feed again, it is per session.
client.on('welcome', () => {
  if ($('#feed').textContent !== 'paused') client.call('feed.subscribe').then(render, () => undefined);
});
$('#pause').addEventListener('click', async () => {
  await client.call('feed.pause');
  $('#feed').textContent = 'paused';
});
window.hmiClient = client;
