import { fromBitrixActivity, fromBitrixTimelineComment, timelineCommentFiles } from './bitrix-activity.mapper';

describe('activity → local snapshot', () => {
  it('maps an incoming HTML e-mail with EMAIL_META and files', () => {
    const snap = fromBitrixActivity({
      ID: '9877',
      OWNER_ID: '837',
      OWNER_TYPE_ID: '2',
      TYPE_ID: '4',
      PROVIDER_ID: 'CRM_EMAIL',
      PROVIDER_TYPE_ID: 'EMAIL',
      SUBJECT: 'Re: Sistema travando',
      CREATED: '2024-01-15T08:45:00-03:00',
      DIRECTION: '1',
      COMPLETED: 'Y',
      DESCRIPTION: '<p>Problema persistindo&hellip;</p>',
      DESCRIPTION_TYPE: '3',
      RESPONSIBLE_ID: '42',
      AUTHOR_ID: '1',
      EDITOR_ID: '1',
      PRIORITY: '2',
      SETTINGS: { EMAIL_META: { from: 'Maria Santos <maria.santos@carvalima.com>', to: 'suporte@carvalima.com' } },
      FILES: [{ id: 3101820, url: 'https://p/bitrix/tools/crm_show_file.php?fileId=3101820' }],
      COMMUNICATIONS: [{ VALUE: 'maria.santos@carvalima.com', TYPE: 'EMAIL', ENTITY_ID: '15', ENTITY_TYPE_ID: '3' }],
    });
    expect(snap).toMatchObject({
      bitrixActivityId: 9877,
      bitrixSource: 'activity',
      bitrixDealId: 837,
      typeId: '4',
      direction: 'incoming',
      subject: 'Re: Sistema travando',
      description: 'Problema persistindo…',
      bodyHtml: '<p>Problema persistindo&hellip;</p>',
      descriptionType: '3',
      fromEmail: 'maria.santos@carvalima.com',
      senderEmail: 'maria.santos@carvalima.com',
      toEmail: 'suporte@carvalima.com',
      receiverEmail: 'suporte@carvalima.com',
      responsibleId: '42',
      authorId: '1',
      createdAtBitrix: new Date('2024-01-15T11:45:00Z'),
      completed: true,
      files: [{ bitrixFileId: 3101820, name: null, url: 'https://p/bitrix/tools/crm_show_file.php?fileId=3101820' }],
    });
  });

  it('falls back to MESSAGE_FROM and COMMUNICATIONS for an outgoing e-mail with empty SETTINGS', () => {
    const out = fromBitrixActivity({
      ID: '1',
      OWNER_TYPE_ID: '2',
      OWNER_ID: '5',
      DIRECTION: '2',
      DESCRIPTION: 'texto',
      DESCRIPTION_TYPE: '1',
      SETTINGS: { MESSAGE_FROM: 'Suporte <suporte@carvalima.com>' },
      COMMUNICATIONS: [{ VALUE: 'a@x.com' }, { VALUE: 'b@x.com' }],
    });
    expect(out).toMatchObject({ direction: 'outgoing', fromEmail: 'suporte@carvalima.com', toEmail: 'a@x.com, b@x.com', description: 'texto', bodyHtml: null });
    const incoming = fromBitrixActivity({ ID: '2', DIRECTION: '1', SETTINGS: [], COMMUNICATIONS: [{ VALUE: 'c@x.com', TYPE: 'EMAIL' }], OWNER_TYPE_ID: '3', OWNER_ID: '9' });
    expect(incoming).toMatchObject({ fromEmail: 'c@x.com', toEmail: null, bitrixDealId: null, files: [] });
  });
});

describe('timeline comment → local snapshot', () => {
  it('maps a comment with FILES keyed by id', () => {
    const snap = fromBitrixTimelineComment(
      {
        ID: '999',
        ENTITY_ID: '837',
        ENTITY_TYPE: 'deal',
        CREATED: '2024-01-15T08:00:00-03:00',
        COMMENT: '[B]Estou analisando[/B]',
        AUTHOR_ID: '42',
        FILES: { 930: { id: 930, name: 'log.txt', urlDownload: 'https://p/disk/downloadFile/930/?&ncc=1&filename=log.txt' } },
      },
      { direction: 'outgoing' },
    );
    expect(snap).toMatchObject({
      bitrixActivityId: 999,
      bitrixSource: 'comment',
      bitrixDealId: 837,
      ownerTypeId: '2',
      typeId: '2',
      providerId: 'CRM_TIMELINE_COMMENT',
      direction: 'outgoing',
      description: 'Estou analisando',
      authorId: '42',
      responsibleId: '42',
      createdAtBitrix: new Date('2024-01-15T11:00:00Z'),
      files: [{ bitrixFileId: 930, name: 'log.txt', url: 'https://p/disk/downloadFile/930/?&ncc=1&filename=log.txt' }],
    });
  });

  it('accepts PHP [] for no files', () => {
    expect(timelineCommentFiles({ ID: '1', ENTITY_ID: '1', ENTITY_TYPE: 'deal', CREATED: '', COMMENT: 'x', AUTHOR_ID: '1', FILES: [] })).toEqual([]);
  });
});
