# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ApiKeys against the fake portal: reads, the checks of odd answers, writes that never make two keys, and the
read-back (bounded, with back-off) after a write whose answer was lost; run_key_module's result."""

from __future__ import annotations

import pytest

from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceClient, DocSpaceError, lost
from ansible_collections.onlyoffice.docspace.plugins.module_utils._keys_api import ApiKeys, run_key_module

from ansible_collections.onlyoffice.docspace.tests.unit.plugins.modules.fake_portal import (
    CATALOGUE,
    KEY_ID,
    ME,
    NEW_ID,
    OTHER_USER,
    SECRET,
    FakeClient,
    FakeTime,
    listed,
    make_key,
    raise_if_error,
)

URL = FakeClient.root
OTHER_ID = '3fa85f64-5717-4562-b3fc-000000000002'
BODY = {'name': 'ci', 'permissions': ['files:read']}
TIMED_OUT = 'POST failed: no answer within the 30-second timeout.'


class Portal(FakeClient):
    """The fake portal (one key of the caller's by default), which also answers chosen GET paths as told."""

    def __init__(self, keys=None, answers=None, **options):
        super().__init__([listed(make_key())] if keys is None else keys, **options)
        self.answers = answers or {}

    def get(self, path):
        if path not in self.answers:
            return super().get(path)
        self.record('GET', path, None)
        raise_if_error(self.answers[path])
        return self.answers[path]


class Session:
    """ApiKeys over a client, with a fake clock and the warnings it gave."""

    def __init__(self, client):
        self.client = client
        self.clock = FakeTime()
        self.warnings = []
        self.api = ApiKeys(client, self.warnings.append, sleep=self.clock.sleep, clock=self.clock.monotonic)

    def listings(self):
        return self.client.methods().count('GET keys')


def refusing(status, message='Refused.'):
    """A GET /keys that fails with this status (401: the credentials were the key just deleted or deactivated)."""
    def listing():
        raise DocSpaceError(message, status)
    return listing


def failure(call):
    with pytest.raises(DocSpaceError) as caught:
        call()
    return caught.value


def forbidden(message='Forbidden.'):
    return DocSpaceError(message, 403)


# --- reads --------------------------------------------------------------------------------------------------------

def test_list_returns_the_listed_objects_only():
    key = listed(make_key())
    assert Session(Portal(answers={'keys': [key, 'junk']})).api.list() == [key]


def test_list_refused_names_the_read_scope():
    error = failure(Session(Portal(answers={'keys': forbidden()})).api.list)
    assert (error.message, error.status) == (
        'Forbidden; these credentials may not read API keys (an API key needs full access or the *:read scope).', 403)


@pytest.mark.parametrize('answer, problem', [
    ({'items': []}, 'answered something other than a list of keys'),
    ([{'id': 7}], 'answered a key that is not a DocSpace API key (its id is not a string)'),
])
def test_list_of_something_else_fails_naming_the_url(answer, problem):
    error = failure(Session(Portal(answers={'keys': answer})).api.list)
    assert error.message == 'GET %s/keys %s; is base_url a DocSpace portal?' % (URL, problem)


def test_self_key_is_the_key_in_use():
    key = make_key()
    assert Session(Portal(answers={'keys/@self': key})).api.self_key() == key


@pytest.mark.parametrize('answer, problem', [
    (['not', 'a', 'key'], 'it is not an object'),
    ({'name': 'ci'}, 'its id is not a string'),
])
def test_self_key_of_something_else_fails_naming_the_url(answer, problem):
    error = failure(Session(Portal(answers={'keys/@self': answer})).api.self_key)
    assert error.message == ('GET %s/keys/@self answered something other than the API key in use (%s); is base_url '
                             'a DocSpace portal?' % (URL, problem))


def test_caller_is_asked_once():
    session = Session(Portal())
    assert session.api.caller_id() == ME
    assert session.api.caller()['id'] == ME
    assert session.client.methods().count('GET people/@self') == 1


def test_caller_without_an_id_fails_naming_the_url():
    error = failure(Session(Portal(me={'displayName': 'Someone'})).api.caller)
    assert error.message == ('GET %s/people/@self did not say who the caller is; is base_url a DocSpace portal?'
                             % URL)


@pytest.mark.parametrize('me, admin', [
    ({'isAdmin': True}, True),
    ({'isOwner': True, 'isAdmin': False}, True),
    ({'isOwner': False, 'isAdmin': False}, False),
    ({'isOwner': 'yes'}, False),
    ({}, False),
])
def test_caller_is_admin_when_admin_or_owner(me, admin):
    assert Session(Portal(me=dict(me, id=ME))).api.caller_is_admin() is admin


def test_catalogue_is_the_portals_scope_list():
    assert Session(Portal()).api.catalogue() == CATALOGUE


@pytest.mark.parametrize('answer', [[1, 2], {'files:read': 'Read files'}, 'files:read'])
def test_catalogue_of_something_else_fails_naming_the_url(answer):
    error = failure(Session(Portal(answers={'keys/permissions': answer})).api.catalogue)
    assert error.message == ('GET %s/keys/permissions answered something other than a list of scope names; is '
                             'base_url a DocSpace portal?' % URL)


def test_scope_error_names_the_unknown_scopes():
    api = Session(Portal()).api
    error = api.scope_error(['files:read', 'Files:Write', 'nope'])
    assert (error.status, "'Files:Write', 'nope'" in error.message) == (400, True)
    assert api.scope_error(['files:read']) is None


def test_find_by_name_takes_only_the_callers_own_key():
    theirs = listed(make_key(id=OTHER_ID, createBy={'id': OTHER_USER, 'displayName': 'Other'}))
    mine = listed(make_key())
    api = Session(Portal()).api
    assert api.find([theirs, mine], name='ci-deploy') == mine
    assert api.find([theirs], name='ci-deploy') is None
    assert api.find([theirs, mine], key_id=OTHER_ID) == theirs


def test_find_by_a_name_the_caller_has_twice_fails():
    keys = [listed(make_key()), listed(make_key(id=OTHER_ID))]
    error = failure(lambda: Session(Portal()).api.find(keys, name='ci-deploy'))
    assert error.message.startswith("2 of your API keys are named 'ci-deploy' (%s, %s)" % (OTHER_ID, KEY_ID))


def test_no_key_of_that_name_does_not_ask_who_the_caller_is():
    session = Session(Portal())
    assert session.api.own_named([listed(make_key())], 'other') == []
    assert 'GET people/@self' not in session.client.methods()


# --- creation -----------------------------------------------------------------------------------------------------

def test_create_returns_the_key_and_its_secret():
    session = Session(Portal(keys=[]))
    key, secret = session.api.create_once(BODY, [])
    assert (key['id'], secret, session.client.methods()) == (NEW_ID, SECRET, ['POST keys'])


def test_create_answer_without_a_string_secret_gives_no_secret():
    session = Session(Portal(keys=[], post_answers=[make_key(id=NEW_ID, key=12345)]))
    assert session.api.create_once(BODY, [])[1] is None


@pytest.mark.parametrize('answer, described', [
    (None, 'null'),
    (True, 'true'),
    ([], 'a list of length 0'),
    (SECRET, 'a str of length %d' % len(SECRET)),
    (7, 'a int'),
    ({'id': 7, 'key': SECRET}, 'a dict of length 2'),
])
def test_create_answer_of_the_wrong_shape_is_described_without_its_content(answer, described):
    error = failure(lambda: Session(Portal(keys=[], post_answers=[answer])).api.create_once(BODY, []))
    assert error.message == ("POST %s/keys answered %s instead of the new API key; is base_url a DocSpace portal? "
                             "Check the portal for a key named 'ci' before running the task again." % (URL, described))
    assert SECRET not in error.message


@pytest.mark.parametrize('error', [
    DocSpaceError(TIMED_OUT, timed_out=True),
    lost(DocSpaceError('POST failed: the connection was reset.')),
    DocSpaceError('Internal server error.', 500),
    DocSpaceError('Bad gateway.', 502),
    DocSpaceError('Service unavailable.', 503),
    DocSpaceError('Gateway timeout.', 504),
])
def test_lost_creation_that_was_made_is_adopted_and_never_sent_twice(error):
    session = Session(Portal(keys=[], post_answers=[error], appears_after_post_error=True))
    key, secret = session.api.create_once(BODY, [])
    assert (key['id'], secret, session.client.writes()) == (NEW_ID, None, [('POST', 'keys', BODY)])
    assert len(session.warnings) == 1 and "Creating API key 'ci'" in session.warnings[0]


def test_adoption_warning_can_be_left_to_the_caller():
    error = DocSpaceError(TIMED_OUT, timed_out=True)
    session = Session(Portal(keys=[], post_answers=[error], appears_after_post_error=True))
    assert session.api.create_once(BODY, [], warn_adopted=False)[0]['id'] == NEW_ID
    assert session.warnings == []


def test_lost_creation_never_adopts_a_key_that_existed_before():
    before = [listed(make_key(name='ci'))]
    session = Session(Portal(keys=list(before), post_answers=[DocSpaceError('Gateway timeout.', 504)]))
    error = failure(lambda: session.api.create_once(BODY, before))
    assert error.status == 504
    assert error.message.startswith("Gateway timeout. No API key named 'ci' appeared within 30 seconds")
    assert (session.client.writes(), session.warnings) == ([('POST', 'keys', BODY)], [])


def test_lost_creation_never_adopts_another_users_key():
    session = Session(Portal(keys=[], post_answers=[DocSpaceError(TIMED_OUT, timed_out=True)]))
    session.client.keys = [listed(make_key(id=NEW_ID, name='ci', createBy={'id': OTHER_USER, 'displayName': 'X'}))]
    assert 'appeared within' in failure(lambda: session.api.create_once(BODY, [])).message
    assert session.client.writes() == [('POST', 'keys', BODY)]


def test_refused_creation_is_not_read_back():
    session = Session(Portal(keys=[], post_answers=[DocSpaceError('Bad request.', 400)]))
    assert failure(lambda: session.api.create_once(dict(BODY, permissions=[]), [])).message == 'Bad request.'
    assert session.client.methods() == ['POST keys']


@pytest.mark.parametrize('error, message', [
    (forbidden(), 'Forbidden; these credentials may not create API keys (an API key needs full access or the *:write '
                  'scope; guests may not create keys).'),
    (DocSpaceError('Too many requests.', 429), 'Too many requests. The portal allows each user 5 new API keys per 15 '
                                               'minutes: run the task again in 15 minutes.'),
    (DocSpaceError('Bad request.', 400), "The portal does not know the scope(s) 'files:rd'; scopes are "
                                         "case-sensitive, see the portal GET /api/2.0/keys/permissions."),
])
def test_refused_creation_says_why(error, message):
    body = dict(BODY, permissions=['files:rd'])
    refused = failure(lambda: Session(Portal(keys=[], post_answers=[error])).api.create_once(body, []))
    assert (refused.message, refused.status) == (message, error.status)


# --- update -------------------------------------------------------------------------------------------------------

def test_update_sends_only_the_changes():
    session = Session(Portal())
    session.api.update(listed(make_key()), {'name': 'renamed'})
    assert session.client.writes() == [('PUT', 'keys/' + KEY_ID, {'name': 'renamed'})]


def test_update_answered_false_is_a_refusal():
    error = failure(lambda: Session(Portal(put_answer=False)).api.update(make_key(), {'name': 'renamed'}))
    assert error.status == 200
    assert error.message.startswith('The portal refused to change API key %s (it answered false)' % KEY_ID)


def test_update_answered_neither_true_nor_false_fails_naming_the_request():
    error = failure(lambda: Session(Portal(put_answer='ok')).api.update(make_key(), {'name': 'renamed'}))
    assert error.message == ('PUT %s/keys/%s answered a str of length 2 instead of true or false; is base_url a '
                             'DocSpace portal?' % (URL, KEY_ID))


@pytest.mark.parametrize('error, message', [
    (forbidden(), 'Forbidden; these credentials may not change API keys (an API key needs full access or the *:write '
                  'scope).'),
    (DocSpaceError('Too many requests.', 429), 'Too many requests.'),
    (DocSpaceError('Internal server error.', 500), 'Internal server error.'),
])
def test_refused_update_says_why_and_is_not_read_back(error, message):
    session = Session(Portal(put_error=error))
    refused = failure(lambda: session.api.update(make_key(), {'name': 'renamed'}))
    assert (refused.message, refused.status, session.listings()) == (message, error.status, 0)


@pytest.mark.parametrize('key, changes', [
    (make_key(), {'name': 'renamed'}),
    (make_key(), {'permissions': ['*']}),
    (make_key(), {'permissions': ['files:write']}),
    (make_key(isActive=False), {'isActive': True}),
    (make_key(), {'isActive': False}),
])
def test_lost_update_that_the_portal_made_is_confirmed_by_listing(key, changes):
    session = Session(Portal(keys=[listed(key)], put_error=DocSpaceError('Bad gateway.', 502), put_applies=True))
    session.api.update(listed(key), changes)
    assert (len(session.client.writes()), session.listings(), session.clock.slept) == (1, 1, [])


@pytest.mark.parametrize('changes', [{'name': 'renamed'}, {'permissions': ['files:write']}, {'isActive': False},
                                     {'permissions': ['*']}])
def test_lost_update_that_does_not_show_is_unknown(changes):
    session = Session(Portal(put_error=DocSpaceError('Bad gateway.', 502)))
    error = failure(lambda: session.api.update(listed(make_key()), changes))
    assert error.status == 502
    assert error.message.startswith('Bad gateway. Whether the portal did change API key %s is unknown: it did not '
                                    'show within 30 seconds' % KEY_ID)
    assert len(session.client.writes()) == 1


def test_lost_update_of_a_key_no_longer_listed_is_unknown():
    session = Session(Portal(put_error=DocSpaceError('Bad gateway.', 502)))
    session.client.keys = []
    assert 'is unknown' in failure(lambda: session.api.update(make_key(), {'name': 'renamed'})).message


def test_lost_deactivation_refused_afterwards_shows_the_key_in_use_was_switched_off():
    session = Session(Portal(put_error=DocSpaceError(TIMED_OUT, timed_out=True), put_applies=True))
    session.client.listing = refusing(401, 'Unauthorized.')
    session.api.update(listed(make_key()), {'isActive': False})
    assert session.listings() == 1


def test_lost_rename_refused_afterwards_is_unknown():
    session = Session(Portal(put_error=DocSpaceError(TIMED_OUT, timed_out=True), put_applies=True))
    session.client.listing = refusing(401, 'Unauthorized.')
    assert 'is unknown' in failure(lambda: session.api.update(listed(make_key()), {'name': 'renamed'})).message


# --- deletion -----------------------------------------------------------------------------------------------------

def test_delete_sends_one_delete():
    session = Session(Portal())
    session.api.delete(KEY_ID)
    assert session.client.methods() == ['DELETE keys/' + KEY_ID]


@pytest.mark.parametrize('answer, message', [
    (False, 'The portal refused to delete API key %s (it answered false)' % KEY_ID),
    ('ok', 'DELETE %s/keys/%s answered a str of length 2 instead of true or false; is base_url a DocSpace portal?'
           % (URL, KEY_ID)),
])
def test_delete_answered_other_than_true_fails(answer, message):
    error = failure(lambda: Session(Portal(delete_answers=[answer])).api.delete(KEY_ID))
    assert error.message.startswith(message)


def test_refused_deletion_names_the_write_scope():
    session = Session(Portal(delete_answers=[forbidden('Forbidden by DOCSPACE-BOX.')]))
    error = failure(lambda: session.api.delete(KEY_ID))
    assert (error.message, error.status) == (
        'Forbidden by DOCSPACE-BOX; these credentials may not delete API keys (an API key needs full access or the '
        '*:write scope).', 403)
    assert session.listings() == 0


def test_delete_answered_500_for_a_key_already_gone_is_done():
    session = Session(Portal(delete_answers=[DocSpaceError('Internal server error.', 500)], delete_applies=True))
    session.api.delete(KEY_ID)
    assert session.listings() == 1


def test_delete_answered_500_for_a_key_still_listed_fails():
    session = Session(Portal(delete_answers=[DocSpaceError('Internal server error.', 500)]))
    error = failure(lambda: session.api.delete(KEY_ID))
    assert (error.message, error.status, session.listings()) == ('Internal server error.', 500, 1)


def test_lost_deletion_that_the_portal_made_is_confirmed_by_listing():
    session = Session(Portal(delete_answers=[DocSpaceError('Gateway timeout.', 504)], delete_applies=True))
    session.api.delete(KEY_ID)
    assert (session.client.methods(), session.clock.slept) == (['DELETE keys/' + KEY_ID, 'GET keys'], [])


def test_lost_deletion_that_does_not_show_is_unknown():
    session = Session(Portal(delete_answers=[DocSpaceError('Gateway timeout.', 504)]))
    error = failure(lambda: session.api.delete(KEY_ID))
    assert error.status == 504
    assert error.message.startswith('Gateway timeout. Whether the portal did delete API key %s is unknown' % KEY_ID)
    assert session.client.writes() == [('DELETE', 'keys/' + KEY_ID, None)]


def test_lost_deletion_refused_afterwards_shows_the_key_in_use_was_deleted():
    session = Session(Portal(delete_answers=[DocSpaceError(TIMED_OUT, timed_out=True)], delete_applies=True))
    session.client.listing = refusing(401, 'Unauthorized.')
    session.api.delete(KEY_ID)
    assert session.listings() == 1


@pytest.mark.parametrize('status', [403, 500, 502])
def test_lost_deletion_whose_listing_fails_otherwise_is_unknown(status):
    session = Session(Portal(delete_answers=[DocSpaceError(TIMED_OUT, timed_out=True)], delete_applies=True))
    session.client.listing = refusing(status)
    assert 'is unknown' in failure(lambda: session.api.delete(KEY_ID)).message


# --- waiting after a lost answer ----------------------------------------------------------------------------------

@pytest.mark.parametrize('timeout, pauses', [
    # the first pause is half a second, each next one twice as long up to 4 s, the last one ends at the deadline
    (5, [0.5, 1, 2, 4, 2.5]),
    (10, [0.5, 1, 2, 4, 2.5]),
    (28, [0.5, 1, 2, 4, 4, 4, 4, 4, 4, 0.5]),
])
def test_read_back_lasts_at_least_ten_seconds_and_the_timeout(timeout, pauses):
    session = Session(Portal(delete_answers=[DocSpaceError('Gateway timeout.', 504)]))
    session.client.timeout = timeout
    error = failure(lambda: session.api.delete(KEY_ID))
    assert 'did not show within %g seconds' % max(10, timeout) in error.message
    assert session.clock.slept == pauses
    assert session.listings() == len(pauses) + 1


def test_read_back_stops_as_soon_as_the_write_shows():
    session = Session(Portal(delete_answers=[DocSpaceError('Gateway timeout.', 504)]))
    listings = [[listed(make_key())], [listed(make_key())], []]
    session.client.listing = lambda: listings.pop(0)
    session.api.delete(KEY_ID)
    assert session.clock.slept == [0.5, 1]


# --- the module around it -----------------------------------------------------------------------------------------

class Ended(Exception):
    """How the module ended (exit_json or fail_json), and with what."""

    def __init__(self, how, result):
        super().__init__(how)
        self.how = how
        self.result = result


class Module:
    """What run_key_module uses of an AnsibleModule."""

    def __init__(self):
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)

    def exit_json(self, **result):
        raise Ended('exit_json', result)

    def fail_json(self, **result):
        raise Ended('fail_json', result)


@pytest.fixture
def key_module(monkeypatch):
    client = Portal()
    monkeypatch.setattr(DocSpaceClient, 'from_module', classmethod(lambda cls, module: client))
    return Module()


def run(ansible_module, body):
    with pytest.raises(Ended) as caught:
        run_key_module(ansible_module, body)
    return caught.value.how, caught.value.result


def test_run_key_module_exits_with_the_result_and_passes_warnings_on(key_module):
    def body(_module, api):
        api.warn('careful')
        return dict(changed=True, key=api.list()[0]['id'])
    assert run(key_module, body) == ('exit_json', dict(changed=True, key=KEY_ID))
    assert key_module.warnings == ['careful']


def test_run_key_module_fails_a_failed_result(key_module):
    failed = dict(failed=True, msg='no')
    assert run(key_module, lambda _module, api: dict(failed)) == ('fail_json', failed)


@pytest.mark.parametrize('error, result', [
    (DocSpaceError('Refused.', 403), dict(msg='Refused.', status=403, failed=True, changed=False)),
    (DocSpaceError('Lost.', changed=True, key={'id': NEW_ID}),
     dict(msg='Lost.', failed=True, changed=True, key={'id': NEW_ID})),
])
def test_run_key_module_turns_a_docspace_error_into_the_failure(key_module, error, result):
    def body(_module, api):
        raise error
    assert run(key_module, body) == ('fail_json', result)
