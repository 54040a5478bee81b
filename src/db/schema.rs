//! Diesel schema shared by both backends: portable column types only.

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        region -> Text,
        contact_email -> Text,
        created_at -> Timestamp,
        deactivated_at -> Nullable<Timestamp>,
        billing_address -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        organisation_id -> Nullable<Text>,
        password_hash -> Text,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
        staff_roles -> Nullable<Text>,
    }
}

diesel::table! {
    account_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    web_sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (key_hash) {
        key_hash -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
    }
}

diesel::table! {
    conferences (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        venue -> Text,
        timezone -> Text,
        starts_on -> Date,
        ends_on -> Date,
        currency -> Text,
        registration_opens -> Nullable<Date>,
        registration_deadline -> Nullable<Date>,
        motions_deadline -> Nullable<Date>,
        amendments_deadline -> Nullable<Date>,
        policy_submissions_deadline -> Nullable<Date>,
        cac_nominations_deadline -> Nullable<Date>,
        award_nominations_deadline -> Nullable<Date>,
        capacity -> Nullable<Integer>,
        dinner_capacity -> Nullable<Integer>,
        motion_word_limit -> Nullable<Integer>,
        amendment_word_limit -> Nullable<Integer>,
        policy_word_limit -> Nullable<Integer>,
        cac_vacancies -> Nullable<Integer>,
        cac_excluded_regions -> Text,
        lock_version -> BigInt,
        places_taken -> Integer,
        dinners_taken -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        entitlement_default -> Nullable<Integer>,
    }
}

diesel::table! {
    price_tiers (conference_id, position) {
        conference_id -> Text,
        position -> Integer,
        code -> Text,
        name -> Text,
        until -> Nullable<Date>,
        dinner_fee_minor -> BigInt,
    }
}

diesel::table! {
    entitlements (conference_id, organisation_id) {
        conference_id -> Text,
        organisation_id -> Text,
        passes -> Nullable<Integer>,
        used -> Integer,
    }
}

diesel::table! {
    pass_kinds (conference_id, position) {
        conference_id -> Text,
        position -> Integer,
        code -> Text,
        name -> Text,
        votes -> Bool,
    }
}

diesel::table! {
    pass_fees (conference_id, tier_position, pass_kind) {
        conference_id -> Text,
        tier_position -> Integer,
        pass_kind -> Text,
        fee_minor -> BigInt,
    }
}

diesel::table! {
    registrations (id) {
        id -> Text,
        conference_id -> Text,
        organisation_id -> Text,
        reference -> Text,
        payment_method -> Text,
        tier_code -> Text,
        currency -> Text,
        total_minor -> BigInt,
        amount_paid_minor -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        privacy_notice_version -> Nullable<Integer>,
    }
}

diesel::table! {
    delegates (id) {
        id -> Text,
        registration_id -> Text,
        conference_id -> Text,
        position -> Integer,
        name -> Text,
        email -> Text,
        dinner -> Bool,
        dietary_requirements -> Text,
        access_requirements -> Text,
        pass_fee_minor -> BigInt,
        dinner_fee_minor -> BigInt,
        fee_minor -> BigInt,
        status -> Text,
        cancelled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        region -> Text,
        email_key -> Text,
        duplicate_allowed -> Bool,
        room_block_id -> Nullable<Text>,
        room_arrival -> Nullable<Date>,
        room_departure -> Nullable<Date>,
        room_fee_minor -> BigInt,
        substitutions -> Integer,
        pass_kind -> Text,
        votes -> Bool,
    }
}

diesel::table! {
    payments (id) {
        id -> Text,
        registration_id -> Text,
        amount_minor -> BigInt,
        method -> Text,
        reference -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
        kind -> Text,
    }
}

diesel::table! {
    extensions (id) {
        id -> Text,
        conference_id -> Text,
        organisation_id -> Text,
        deadline -> Text,
        until -> Date,
        granted_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        actor_id -> Text,
        action -> Text,
        conference_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        subject_id -> Nullable<Text>,
        detail -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (user_id, idempotency_key) {
        user_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status_code -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    submissions (id) {
        id -> Text,
        conference_id -> Text,
        organisation_id -> Text,
        kind -> Text,
        number -> Integer,
        reference -> Text,
        motion_id -> Nullable<Text>,
        title -> Nullable<Text>,
        body -> Text,
        word_count -> Integer,
        delegate_id -> Nullable<Text>,
        nominee_kind -> Nullable<Text>,
        nominee_name -> Nullable<Text>,
        status -> Text,
        status_reason -> Nullable<Text>,
        composite -> Nullable<Text>,
        timeliness -> Text,
        submitted_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        candidate_name -> Nullable<Text>,
    }
}

diesel::table! {
    invoice_counters (conference_id, kind) {
        conference_id -> Text,
        kind -> Text,
        last_number -> Integer,
    }
}

diesel::table! {
    invoices (id) {
        id -> Text,
        conference_id -> Text,
        registration_id -> Text,
        organisation_id -> Text,
        kind -> Text,
        number -> Integer,
        credits_invoice_id -> Nullable<Text>,
        currency -> Text,
        total_minor -> BigInt,
        issued_on -> Date,
        due_on -> Nullable<Date>,
        document -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    jobs (name) {
        name -> Text,
        lease_token -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_run_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    programme_items (id) {
        id -> Text,
        conference_id -> Text,
        title -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        place -> Text,
        ticketed -> Bool,
        revision -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    privacy_notices (conference_id, version) {
        conference_id -> Text,
        version -> Integer,
        body -> Text,
        published_at -> Timestamp,
        published_by -> Text,
    }
}

diesel::table! {
    room_blocks (id) {
        id -> Text,
        conference_id -> Text,
        hotel -> Text,
        hotel_address -> Text,
        room_type -> Text,
        nightly_rate_minor -> BigInt,
        release_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    room_nights (room_block_id, night) {
        room_block_id -> Text,
        night -> Date,
        rooms -> Integer,
        taken -> Integer,
    }
}

diesel::table! {
    server_secrets (name) {
        name -> Text,
        secret -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    check_ins (delegate_id) {
        delegate_id -> Text,
        conference_id -> Text,
        checked_in_at -> Timestamp,
        checked_in_by -> Text,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(web_sessions -> users (user_id));
diesel::joinable!(account_tokens -> users (user_id));
diesel::joinable!(price_tiers -> conferences (conference_id));
diesel::joinable!(pass_kinds -> conferences (conference_id));
diesel::joinable!(entitlements -> conferences (conference_id));
diesel::joinable!(entitlements -> organisations (organisation_id));
diesel::joinable!(pass_fees -> conferences (conference_id));
diesel::joinable!(registrations -> organisations (organisation_id));
diesel::joinable!(registrations -> conferences (conference_id));
diesel::joinable!(delegates -> registrations (registration_id));
diesel::joinable!(payments -> registrations (registration_id));
diesel::joinable!(submissions -> organisations (organisation_id));
diesel::joinable!(submissions -> conferences (conference_id));
diesel::joinable!(submissions -> delegates (delegate_id));
diesel::joinable!(room_nights -> room_blocks (room_block_id));
diesel::joinable!(delegates -> room_blocks (room_block_id));
diesel::joinable!(check_ins -> delegates (delegate_id));
diesel::joinable!(privacy_notices -> conferences (conference_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    sessions,
    web_sessions,
    account_tokens,
    login_throttle,
    conferences,
    price_tiers,
    pass_kinds,
    pass_fees,
    entitlements,
    registrations,
    delegates,
    payments,
    extensions,
    audit_log,
    idempotency_keys,
    submissions,
    invoice_counters,
    invoices,
    jobs,
    programme_items,
    privacy_notices,
    room_blocks,
    room_nights,
    server_secrets,
    check_ins,
);
