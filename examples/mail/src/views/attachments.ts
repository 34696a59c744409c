import { type FileRef, FileUnavailableError } from '@ferry/core';
import type { App } from '../app.js';
import { h, type View } from '../dom.js';
import type { Message } from '../schema.js';

/**
 * A message's attachments. On a draft, "Attach files" stores the chosen files on this device at once (they
 * can be opened offline) and adds them to the message; they upload when the device is online. Opening one
 * reads it from this device, or downloads it through the message (only the people on it may).
 */
export function attachmentList(app: App, message: Message, options: { editable: boolean }): View {
  const list = h('ul', { class: 'attachments' });
  const preview = h('div', { class: 'preview', hidden: true });
  const picker = h('input', { type: 'file', multiple: true, 'aria-label': 'Attach files' });
  const attach = h('label', { class: 'attach button' }, 'Attach files', picker);
  picker.addEventListener('change', async () => {
    const chosen = [...(picker.files ?? [])];
    picker.value = '';
    const refs: FileRef[] = [];
    for (const file of chosen)
      refs.push(await app.client.files.add(file, { name: file.name, type: file.type }));
    // One push for all: attachments added on two devices at once are all kept.
    if (refs.length > 0) message.list('attachments').push(refs);
  });

  let shown: string | undefined;
  const open = async (ref: FileRef, index: number) => {
    shown = ref.hash;
    preview.hidden = false;
    preview.replaceChildren(h('p', { class: 'meta' }, `Opening ${ref.name}…`));
    try {
      const bytes = await message.file('attachments', index);
      if (shown !== ref.hash) return;
      const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: ref.type });
      const url = URL.createObjectURL(blob);
      const link = h('a', { href: url, download: ref.name }, `Save ${ref.name}`);
      const content = ref.type.startsWith('image/')
        ? h('img', { src: url, alt: ref.name })
        : ref.type.startsWith('text/')
          ? h('pre', {}, await blob.text())
          : h('p', {}, `${ref.name}, ${sizeOf(ref.size)}`);
      preview.replaceChildren(content, link);
    } catch (error) {
      if (shown !== ref.hash) return;
      const reason =
        error instanceof FileUnavailableError && error.status === undefined
          ? 'It is not on this device yet; it downloads when you are online.'
          : (error as Error).message;
      preview.replaceChildren(h('p', { class: 'meta error' }, `Could not open ${ref.name}. ${reason}`));
    }
  };

  const render = () => {
    const refs = message.get('attachments');
    list.replaceChildren(
      ...refs.map((ref, index) => {
        const button = h('button', { type: 'button', 'data-hash': ref.hash }, ref.name);
        button.addEventListener('click', () => void open(ref, index));
        const uploading = app.client.files.uploading(ref.hash);
        return h(
          'li',
          { 'data-state': uploading ? 'uploading' : 'stored' },
          button,
          h('span', { class: 'meta' }, ` ${sizeOf(ref.size)}${uploading ? ', waiting to upload' : ''}`),
        );
      }),
    );
  };
  render();
  const offs = [
    message.on('change', render),
    app.client.files.on('uploaded', render),
    app.client.files.on('error', (error) => {
      render();
      preview.hidden = false;
      preview.replaceChildren(h('p', { class: 'meta error' }, error.message));
    }),
  ];
  const element = h('section', { class: 'files' }, list, ...(options.editable ? [attach] : []), preview);
  return {
    element,
    dispose() {
      for (const off of offs) off();
    },
  };
}

function sizeOf(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
