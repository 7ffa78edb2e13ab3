# -*- coding: utf-8 -*-
# Copyright (c) onlyoffice.docspace contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Key rotation: when a key is replaced and why (pure), the replacement sequence, and the secret file.

DocSpace cannot change a key's expiry and has no rotate endpoint, so rotating is: create the new key, hand its secret
over (result or secret file), then retire the old key. The pure functions take plain values, so that every module
offering rotation (docspace_api_key, and any module managing many keys) means the same by `recreate`,
`renew_before_days`, `previous_key` and `secret_dest`:

- recreate: 'never' (no replacement), 'when_needed' (see replacement_reason), 'always' (every run).
- renew_before_days: with 'when_needed', replace a key whose whole days left (as the info module's
  expires_in_days_left shows them) are at most this many: "within N days" includes day N.
- previous_key: 'delete', 'deactivate' or 'keep': what happens to the replaced key once the new one exists. A key that
  is kept or deactivated is renamed (retired_name) so that the task's name finds only the new key; an expired key cannot
  be changed at all, so it is always deleted.
- secret_dest: a file holding the secret of the task's key; compared with the key's keyPostfix (no request).

The writes go through an ApiKeys object (_keys_api) and a secret writer (SecretFile here, or anything with
ready() and write(secret)). This module_util is private to the collection: its interface may change at any time.
"""

from __future__ import annotations

import datetime
import grp
import os
import pwd
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native

from ansible_collections.onlyoffice.docspace.plugins.module_utils._docspace import DocSpaceError
from ansible_collections.onlyoffice.docspace.plugins.module_utils._api_keys import (
    EXPIRES_MAX_DAYS,
    EXPIRES_MIN_DAYS,
    NAME_MAX_LENGTH,
    Plan,
    apply_update,
    creation_body,
    days_left,
    describe_key,
    is_expired,
    lifetime_days,
    name_length,
    parse_date,
    plan_task,
)

RECREATE_CHOICES = ('never', 'when_needed', 'always')
PREVIOUS_KEY_CHOICES = ('delete', 'deactivate', 'keep')
# A kept or deactivated predecessor is renamed <name>~old-<YYYYMMDD> (the name cut to fit 30 characters).
RETIRED_MARK = '~old-'
SECRET_FILE_MODE = 0o600


# --- options -------------------------------------------------------------------------------------------------------

def check_rotation_options(key_id, recreate, renew_before_days, expires_in_days=None):
    """Refuse rotation options that contradict each other, before any request."""
    if renew_before_days is not None and renew_before_days < 0:
        raise DocSpaceError('renew_before_days must be 0 or more; got %d.' % renew_before_days)
    if recreate != 'never' and key_id:
        raise DocSpaceError('recreate: %s replaces the key with a new one, which gets a new id, so a task that names the '
                            'key by key_id could not find it again: name the key by name instead of key_id.' % recreate)
    if renew_before_days is not None and recreate != 'when_needed':
        raise DocSpaceError('renew_before_days says when to replace a key that is about to expire, which only '
                            'recreate: when_needed does; got recreate: %s.' % recreate)
    check_renewal_window(expires_in_days, renew_before_days)


def check_renewal_window(lifetime, renew_before_days):
    """Refuse a renew_before_days that a new key of this lifetime would be within at once (renewed on every run).

    A key of L days has L - 1 whole days left right after its creation.
    """
    if lifetime is None or renew_before_days is None or lifetime - 1 > renew_before_days:
        return
    instead = ('leave renew_before_days out (a 1-day key is replaced once it has expired)' if lifetime == 1 else
               'set renew_before_days below %d, or a longer expires_in_days' % (lifetime - 1))
    raise DocSpaceError('renew_before_days: %d would replace a %d-day key on every run, since a new %d-day key has %d '
                        'whole day(s) left: %s.' % (renew_before_days, lifetime, lifetime, lifetime - 1, instead))


# --- dates -----------------------------------------------------------------------------------------------------------

def expires_within(key, days, now):
    """Whether the key has not expired and has at most `days` whole days left (day `days` included)."""
    left = days_left(key, now)
    return left is not None and not is_expired(key, now) and left <= days


def days_since_last_use(key, now):
    """Whole days since the key was last used, or None when it never was."""
    used = parse_date(key.get('lastUsed'))
    return None if used is None else max(0, (now - used).days)


def unused_for(key, days, now):
    """Whether the key has not been used for at least `days` days (a never-used key: counted from its creation)."""
    since = parse_date(key.get('lastUsed')) or parse_date(key.get('createOn'))
    # A portal clock slightly ahead of this host's must not make a key "used in the future".
    return since is None or max(now - since, datetime.timedelta(0)) >= datetime.timedelta(days=days)


# --- the decision ----------------------------------------------------------------------------------------------------

def replacement_reason(key, recreate, renew_before_days, expires_in_days, secret_in_file, now):
    """Why a task replaces `key`, as a phrase for messages and results, or None when it keeps the key.

    key: the listed key the task found (None: nothing to replace). secret_in_file: whether secret_dest holds the key's
    secret (True/False), None without secret_dest. Only recreate 'when_needed' weighs the reasons, in this order:
    expired (the portal deactivates expired keys, and no expired key can be changed), lifetime other than
    expires_in_days, expiring within renew_before_days, secret_dest without its secret.
    """
    if key is None or recreate == 'never':
        return None
    if recreate == 'always':
        return 'recreate is always'
    if is_expired(key, now):
        return 'it expired on %s' % key.get('expiresAt')
    lifetime = lifetime_days(key)
    if expires_in_days is not None and lifetime != expires_in_days:
        has = 'it never expires' if lifetime is None else 'its lifetime is %d day(s)' % lifetime
        return '%s, not %d' % (has, expires_in_days)
    if renew_before_days is not None and expires_within(key, renew_before_days, now):
        return 'it expires on %s, within %d day(s)' % (key.get('expiresAt'), renew_before_days)
    if secret_in_file is False:
        return 'secret_dest does not hold its secret'
    return None


def replacement_lifetime(key, expires_in_days):
    """The lifetime of the replacement: the task's, else the replaced key's (a renewal never drops an expiry)."""
    if expires_in_days is not None:
        return expires_in_days
    lifetime = lifetime_days(key)
    if lifetime is None:
        return None
    return min(max(lifetime, EXPIRES_MIN_DAYS), EXPIRES_MAX_DAYS)


def replacement_active(key, state, now):
    """Whether the replacement is active: as state says; else as the replaced key was, or active when the portal
    deactivated it at expiry (a task without state never re-activates a key someone disabled)."""
    if state in ('active', 'inactive'):
        return state == 'active'
    return is_expired(key, now) or key.get('isActive') is not False


def secret_missing_message(key):
    return ('secret_dest does not hold the secret of API key %s (%s), and DocSpace shows a secret only once, when the key '
            'is created: set recreate: when_needed to replace the key and write the new secret there.'
            % (key.get('id'), key.get('name')))


def plan_key_task(key, key_id, name, permissions, expires_in_days, state, now, recreate='never',
                  renew_before_days=None, secret_in_file=None):
    """plan_task with rotation: a Plan('replace') with the POST body of the replacement, its reason and active status.

    The replacement takes what the task leaves out from the key it replaces: name, permissions, lifetime, and active
    status (replacement_active). Without a reason to replace, the plan is plan_task's (in-place changes stay in place),
    except that a secret_dest without the key's secret fails (recreate: never).
    """
    if state != 'absent' and key is not None:
        if recreate == 'when_needed':
            check_renewal_window(replacement_lifetime(key, expires_in_days), renew_before_days)
        reason = replacement_reason(key, recreate, renew_before_days, expires_in_days, secret_in_file, now)
        if reason:
            body = creation_body(name or key.get('name'), permissions or key.get('permissions'),
                                 replacement_lifetime(key, expires_in_days))
            return Plan('replace', body=body, reason=reason, is_active=replacement_active(key, state, now))
        if secret_in_file is False:
            raise DocSpaceError(secret_missing_message(key))
    return plan_task(key, key_id, name, permissions, expires_in_days, state, now)


def pick_current(own_named_keys, postfix_in_file):
    """(current key, leftovers) among the caller's own keys of the task's name, when recreate is not 'never'.

    Two keys of one name are what an interrupted replacement leaves: the current one is the one whose secret is in
    secret_dest (postfix_in_file: the last 4 characters of the file's secret, or None), else the newest; the others
    are retired as previous_key says.
    """
    if not own_named_keys:
        return None, []
    holders = [key for key in own_named_keys if postfix_in_file and key.get('keyPostfix') == postfix_in_file]
    current = newest(holders or own_named_keys)
    return current, [key for key in own_named_keys if key is not current]


def newest(keys):
    epoch = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    return max(keys, key=lambda key: parse_date(key.get('createOn')) or epoch)


# --- retiring the replaced key --------------------------------------------------------------------------------------

def retired_name(name, now):
    """<name>~old-<YYYYMMDD>, the name cut so that the whole fits the portal's 30 characters."""
    suffix = RETIRED_MARK + now.strftime('%Y%m%d')
    base = name or ''
    while base and name_length(base + suffix) > NAME_MAX_LENGTH:
        base = base[:-1]
    return base + suffix


def retirement_plan(key, previous_key, now):
    """How the key is retired: ('deleted', None), or ('deactivated' | 'kept', PUT body renaming it).

    An expired key cannot be changed (PUT answers false), so it is deleted whatever previous_key says.
    """
    if previous_key == 'delete' or is_expired(key, now):
        return 'deleted', None
    changes = dict(name=retired_name(key.get('name'), now))
    if previous_key == 'deactivate':
        if key.get('isActive') is not False:
            changes['isActive'] = False
        return 'deactivated', changes
    return 'kept', changes


def retired_view(key, how, changes, reason, now):
    """A retired key in the result shape: describe_key of the key as it is after the task, what was done and why."""
    after = key if changes is None else apply_update(key, changes)
    return dict(describe_key(after, now), retired=how, reason=reason)


def retire(api, key, previous_key, reason, now):
    """Retire `key` as previous_key says (writes); returns retired_view."""
    how, changes = retirement_plan(key, previous_key, now)
    if changes is None:
        api.delete(key['id'])
    else:
        api.update(key, changes)
    return retired_view(key, how, changes, reason, now)


def predicted_retirement(key, previous_key, reason, now):
    """retired_view of what retire() would do (check mode)."""
    how, changes = retirement_plan(key, previous_key, now)
    return retired_view(key, how, changes, reason, now)


# --- the replacement sequence -------------------------------------------------------------------------------------

def new_key_result(key, secret, writer, now):
    """describe_key of a key this task made, with its secret unless a writer took it."""
    result = describe_key(key, now)
    if secret and writer is None:
        result['key'] = secret
    return result


def discard(api, key, why, now, untouched, on_stranded=None):
    """Delete a key this task just made and cannot hand over; DocSpaceError saying so (and what is left) always.

    on_stranded(key) is called first when the key could not be deleted again (it exists, and nobody has its secret).
    """
    try:
        api.delete(key['id'])
    except DocSpaceError as exc:
        if on_stranded is not None:
            on_stranded(key)
        raise DocSpaceError('%s, and deleting it again failed: %s Delete API key %s (key_id) before running the task '
                            'again%s.' % (why, exc.message, key['id'], untouched), exc.status, changed=True,
                            api_key=describe_key(key, now)) from None
    raise DocSpaceError('%s, so the new key was deleted again%s. Run the task again.' % (why, untouched))


def hand_over(api, key, secret, writer, now, untouched='', on_stranded=None):
    """Make sure the secret of a key this task just made reaches the writer (when there is one).

    A key whose secret is unknown (its creation answer was lost and the key adopted) or cannot be written is worth
    nothing to a task with secret_dest: it is deleted and the task fails. untouched: what to add about the old key;
    on_stranded: see discard().
    """
    if writer is None:
        return
    if secret is None:
        discard(api, key, 'The answer to the creation of API key %s (%s) was lost, so its secret is unknown and cannot '
                          'be written to secret_dest' % (key['id'], key.get('name')), now, untouched, on_stranded)
    try:
        writer.write(secret)
    except DocSpaceError as exc:
        discard(api, key, 'Made API key %s (%s) but could not write its secret (%s)'
                % (key['id'], key.get('name'), exc.message.rstrip('.')), now, untouched, on_stranded)


def make_replacement(api, old, body, is_active, known_keys, writer, now, on_stranded=None):
    """The new key that is to replace `old`: created, deactivated when is_active is False, its secret handed to writer;
    returns (new key, its secret).

    `old` is not touched: a refused creation, a lost secret or a failed write leaves it as it is (DocSpaceError, after
    deleting the new key again; on_stranded: see discard()).
    """
    untouched = '; API key %s (%s), the one to replace, is untouched' % (old['id'], old.get('name'))
    try:
        new, secret = api.create_once(body, known_keys, warn_adopted=False)
    except DocSpaceError as exc:
        raise DocSpaceError('Could not create the replacement of API key %s (%s), so the key is untouched: %s'
                            % (old['id'], old.get('name'), exc.message), exc.status, **exc.result) from None
    if secret is None:
        discard(api, new, 'The answer to the creation of API key %s (%s) was lost, so its secret is unknown and a '
                          'replacement without its secret is worth nothing' % (new['id'], new.get('name')), now, untouched,
                on_stranded)
    if is_active is False and new.get('isActive', True):
        try:
            api.update(new, {'isActive': False})
        except DocSpaceError as exc:
            discard(api, new, 'Made API key %s (%s) but could not deactivate it (%s)'
                    % (new['id'], new.get('name'), exc.message.rstrip('.')), now, untouched, on_stranded)
        new = apply_update(new, {'isActive': False})
    hand_over(api, new, secret, writer, now, untouched, on_stranded)
    return new, secret


def replace(api, old, body, is_active, previous_key, reason, known_keys, writer, now):
    """Replace `old`: make_replacement(), then retire old.

    Returns (new key, its secret, retired_view of old). The old key is touched only after the new key and its secret
    are safe; a failed retirement raises DocSpaceError with changed=True and the new key (api_key, with its secret
    unless a writer has it), which the next run finishes (pick_current).
    """
    new, secret = make_replacement(api, old, body, is_active, known_keys, writer, now)
    try:
        retired = retire(api, old, previous_key, reason, now)
    except DocSpaceError as exc:
        raise DocSpaceError('Made API key %s to replace API key %s (%s), but could not retire the old key: %s Run the task '
                            'again to finish the replacement.' % (new['id'], old['id'], old.get('name'), exc.message),
                            exc.status, changed=True, api_key=new_key_result(new, secret, writer, now),
                            replaced_key=dict(describe_key(old, now), retired=None, reason=reason)) from None
    return new, secret, retired


# --- the secret file ---------------------------------------------------------------------------------------------

class SecretFile:
    """secret_dest: reads the secret a file holds and writes a new one atomically with the task's file attributes.

    Needs an AnsibleModule made with add_file_common_args=True (mode, owner, group, ...). Without mode, the file is
    0600. The file holds the secret alone, without a line break. A task that will write the file calls ready() (also in
    check mode), then, in a real run and before the key is created, prepare(), which makes the file exist with its
    attributes (so that AnsibleModule's own failures about owner or mode come before a key exists, and the secret
    never sits in a file with other attributes); write(secret) after the creation; abandon() when the task fails before
    writing.
    """

    def __init__(self, module, path):
        self.module = module
        self.path = os.path.abspath(os.path.expanduser(path))
        self.made_placeholder = False

    def file_args(self):
        args = self.module.load_file_common_arguments(self.module.params, path=self.path)
        if args.get('mode') is None:
            args['mode'] = SECRET_FILE_MODE
        return args

    def secret(self):
        """The secret the file holds (white space around it ignored), or None when there is no file or it is empty."""
        try:
            with open(self.path, 'rb') as handle:
                text = handle.read().decode('utf-8', 'replace').strip()
        except FileNotFoundError:
            return None
        except (IOError, OSError) as exc:
            raise DocSpaceError('Cannot read secret_dest %s: %s.' % (self.path, to_native(exc.strerror or exc))) from None
        return text or None

    def postfix(self):
        """The last 4 characters of the file's secret (what GET /keys shows as keyPostfix), or None."""
        secret = self.secret()
        return secret[-4:] if secret else None

    def holds(self, key):
        """Whether the file holds the key's secret, judged by its last 4 characters (no request is made, so the key's
        lastUsed stays honest; a stale file passes with a chance of 1 in 65,536)."""
        postfix = key.get('keyPostfix')
        return bool(postfix) and self.postfix() == postfix

    def ready(self):
        """Fail before any write when the secret could not be written (checked in check mode too)."""
        directory = os.path.dirname(self.path)
        if os.path.isdir(self.path):
            raise DocSpaceError('secret_dest %s is a directory; give the path of a file.' % self.path)
        if not os.path.isdir(directory):
            raise DocSpaceError('The directory of secret_dest %s does not exist; create it first.' % self.path)
        if not os.access(directory, os.W_OK | os.X_OK):
            raise DocSpaceError('The directory of secret_dest %s is not writable by the user the module runs as.'
                                % self.path)
        self.check_owner_and_group()

    def check_owner_and_group(self):
        """Refuse an owner or group that does not exist here, before any write (the file options would fail later)."""
        for option, lookup in (('owner', pwd.getpwnam), ('group', grp.getgrnam)):
            name = self.module.params.get(option)
            if name is None or str(name).isdigit():
                continue
            try:
                lookup(name)
            except KeyError:
                raise DocSpaceError('%s %r of secret_dest does not exist on the host that runs the module.'
                                    % (option, name)) from None

    def prepare(self):
        """Make the file exist (empty when new) with the task's attributes, before the key is created."""
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_FILE_MODE))
            self.made_placeholder = True
        except FileExistsError:
            pass
        except OSError as exc:
            raise DocSpaceError('Cannot create secret_dest %s: %s.' % (self.path, to_native(exc.strerror or exc))) from None
        try:
            self.module.set_fs_attributes_if_different(self.file_args(), False)
        except BaseException:  # also AnsibleModule.fail_json (SystemExit) about owner or mode: no empty file is left
            self.abandon()
            raise

    def abandon(self):
        """Remove the empty file prepare() made, when the task failed before writing the secret (best effort)."""
        try:
            if self.made_placeholder and os.path.isfile(self.path) and not os.path.getsize(self.path):
                os.unlink(self.path)
        except OSError:
            pass

    def write(self, secret):
        """Write the secret atomically: a temporary file of mode 0600 in the same directory, renamed over the path.

        Not AnsibleModule.atomic_move: on ansible-core before 2.19 it ends the module itself on failure, which would
        lose the new key; here every failure is a DocSpaceError the caller can act on (delete the key again).
        """
        temporary = None
        try:
            handle, temporary = tempfile.mkstemp(prefix='.%s.' % os.path.basename(self.path),
                                                 dir=os.path.dirname(self.path))
            try:
                os.write(handle, to_bytes(secret))
                os.fsync(handle)
            finally:
                os.close(handle)
            os.replace(temporary, self.path)
            temporary = None
        except OSError as exc:
            raise DocSpaceError('Cannot write secret_dest %s: %s.' % (self.path, to_native(exc.strerror or exc))) from None
        finally:
            if temporary is not None:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass
        self.made_placeholder = False
        self.fix_attributes()

    def fix_attributes(self):
        """Give an existing file the task's mode, owner and group (check mode: only say whether it would); changed?"""
        if not os.path.exists(self.path):
            return False
        return self.module.set_fs_attributes_if_different(self.file_args(), False)
